"""harness/env/companions.py: the packages that move together, in one place."""
from harness.env.companions import companions, violations, with_companions


def test_tensorflow_from_2_16_brings_tf_keras_of_its_minor():
    assert [c.requirement for c in companions("tensorflow", "2.18.1")] == ["tf-keras>=2.18,<2.19"]
    assert [c.requirement for c in companions("tensorflow", "2.15.1")] == ["keras>=2.15,<2.16"]
    assert [c.requirement for c in companions("tf-keras", "2.19.0")] == ["tensorflow>=2.19,<2.20"]
    assert [c.requirement for c in companions("keras", "2.13.1")] == ["tensorflow>=2.13,<2.14"]
    assert companions("keras", "3.10.0") == [] and companions("transformers", "4.57.6") == []


def test_on_a_gpu_tensorflow_comes_with_its_cuda_extra():
    reqs, used = with_companions("tensorflow", "2.21.0", [], device="gpu")
    assert reqs == ["tensorflow[and-cuda]==2.21.0", "tf-keras>=2.21,<2.22"]
    assert with_companions("tensorflow", "2.13.1", [], device="gpu")[0] == ["tensorflow==2.13.1",
                                                                              "keras>=2.13,<2.14"]


def test_a_pin_wins_and_violations_name_the_broken_tie():
    assert with_companions("tensorflow", "2.21.0", ["tf-keras==2.18.0"])[0] == ["tensorflow==2.21.0"]
    assert violations({"tensorflow": "2.21.0", "tf-keras": "2.21.0"}) == []
    assert violations({"tensorflow": "2.15.1"}) == []
    assert violations({"tensorflow": "2.16.2"}) == [
        "TensorFlow 2.16.2 without tf-keras (transformers' TF models need tf-keras 2.16)"]
    assert violations({"tensorflow": "2.21.0", "tf-keras": "2.18.0"}) == [
        "tf-keras 2.18.0 with TensorFlow 2.21.0 (the tie is the same minor)"]


def test_a_companion_that_followed_its_partner_is_no_suspect_of_its_own():
    from harness.env.companions import moved_on_their_own

    # the night of issue 27: TF 2.15.1 -> 2.16.1 brought tf-keras and Keras 3 with it
    assert moved_on_their_own({"tensorflow": ("2.15.1", "2.16.1"), "tf-keras": (None, "2.16.0"),
                               "keras": ("2.15.0", "3.15.1")}) == ["tensorflow"]
    # a patch of each, both within their tie: each moved on its own
    assert moved_on_their_own({"tensorflow": ("2.20.0", "2.20.1"), "tf-keras": ("2.20.0", "2.20.1")}) == \
        ["tensorflow", "tf-keras"]
    # Keras 3 moves on its own beside TF >= 2.16; tf-keras follows TF's minor
    assert moved_on_their_own({"tensorflow": ("2.20.0", "2.21.0"), "tf-keras": ("2.20.0", "2.21.0"),
                               "keras": ("3.15.1", "3.16.0")}) == ["tensorflow", "keras"]
