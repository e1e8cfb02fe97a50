"""compile(run_eagerly=True): slower, but errors point at the line of model code that failed.

The broken setup is num_labels_mismatch's (label 2, 2 logits), which raises on CPU. In graph mode the
Python traceback ends inside TensorFlow's executor; run eagerly, it runs through transformers' and Keras'
loss code. The cost is measured as a throughput ratio eager / graph, side by side in one process.
Measured with TF 2.21: the graph-mode error message itself now carries the Python stack that defined the
failing node ("defined at ..."), down to transformers' loss code — recorded as
`error_message_has_definition_trace`, since it makes the chapter's advice less needed than it was.
"""
from harness.spec import Case, SeenAs, Variant

GPU = "GPU: label 2 with 2 logits gives NaN there, not an error, so there is no traceback to compare"

CASE = Case(
    id="run_eagerly",
    title="run_eagerly=True: readable errors, at a price",
    chapter="run_eagerly=True makes it a lot slower, but errors indicate exactly where in the model code",
    base={"optimizer": "adam", "steps": 5, "num_labels": None},
    variants=(
        Variant("graph_error", "broken", {}, claims={"cpu": "label_out_of_range"}, devices=("cpu",),
                not_applicable=GPU, says="graph mode: the error surfaces from TF's executor",
                expect={"traceback_in_model_code": ("==", False)},
                # its pipeline's bug is num_labels_mismatch's; the doctor's eager check runs the step eagerly
                # itself and says where the error was raised, so run_eagerly=True is no fix to offer here
                doctor=SeenAs(("num_labels_mismatch:default_num_labels",))),
        Variant("eager_error", "check", {"run_eagerly": True}, claims={"cpu": "label_out_of_range"},
                devices=("cpu",), not_applicable=GPU, says="eager: the traceback goes through the model code",
                expect={"traceback_in_model_code": ("==", True)}),
        Variant("eager_cost", "check", {"procedure": "eager_vs_graph", "num_labels": 3, "steps": 12},
                claims={"cpu": "ok", "gpu": "ok"}, says="it will make it a lot slower", alone=True,
                expect={"eager_over_graph_throughput": ("<", 1.0)}),
    ),
)
