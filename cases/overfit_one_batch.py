"""Overfit one batch: the chapter's capability check, `model.fit(batch, epochs=N)` until the loss is ~0.

A correct setup drives the loss on one batch under the threshold; the broken learning rate ("adam", 1e-3,
at DistilBERT's shape) cannot. Metrics: steps and seconds to the threshold, or "never" within the budget.
"""
from harness.spec import Case, Sign, Variant

CASE = Case(
    id="overfit_one_batch",
    title="fit one batch for N epochs: steps and seconds until loss < threshold",
    chapter="the loss should decline quickly toward 0; if not, something is wrong with the setup",
    base={"procedure": "overfit", "steps": 40, "overfit_threshold": 0.1},
    sections=("curves",), alone=True,  # seconds to overfit are timings
    variants=(
        Variant("tiny_adam", "check", {"optimizer": "adam", "steps": 100}, claims={"cpu": "ok", "gpu": "ok"},
                says="a correct setup memorises one batch"),
        Variant("distilbert_adam_string", "broken", {"model_size": "distilbert", "optimizer": "adam"},
                claims={"cpu": "plateau", "gpu": "plateau"}, says="lr 1e-3 is way too high for a Transformer",
                doctor=Sign("overfit", {"optimizer": ("==", "adam"), "learning_rate": (">=", 1e-3),
                                        "overfit": ("==", "plateau"), "loss_from_logits": ("!=", False)},
                            fix="model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=5e-5))")),
        Variant("fix_distilbert_adam_5e-5", "fix", {"model_size": "distilbert", "optimizer": "Adam(5e-5)"},
                claims={"cpu": "ok", "gpu": "ok"}, says="Adam(5e-5) overfits the batch"),
    ),
)
