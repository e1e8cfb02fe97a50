"""Where a first step's time goes, with a fake clock: tracing, XLA compilation, first execution."""
from harness.launch.stderr import tail, xla_compilations
from harness.results.first_step import split

# the lines TF 2.21 printed for two compilations on this CPU (TF_CPP_MIN_LOG_LEVEL=0)
LOG = """I0000 00:00:1795764898.115177   11072 service.cc:153] XLA service 0x5611ed95ce30 initialized for platform Host
I0000 00:00:1795764898.277447   11072 device_compiler.h:208] Compiled cluster using XLA!  This line is logged at most once for the lifetime of the process.
I0000 00:00:1795764898.277636   11072 device_compiler.h:538] Compilation of XLA executable time: 162 ms (162016 us) (cumulative: 162 ms, max: 162 ms, #called: 1)
W0000 00:00:1795764898.300000   11072 something.cc:1] a warning
I0000 00:00:1795764898.317803   11072 device_compiler.h:538] Compilation of XLA executable time: 32.6 ms (32561 us) (cumulative: 195 ms, max: 162 ms, #called: 2)
2026-11-27 07:20:01.123456: I tensorflow/compiler/jit/xla_compilation_cache.cc:477] Compilation of XLA executable time: 1.5 s (1500000 us)
"""


def test_xla_compilations_are_read_from_tfs_log_with_their_time():
    assert xla_compilations(LOG) == [(1795764898.277636, 0.162016), (1795764898.317803, 0.032561), (None, 1.5)]
    assert "a warning" in tail(LOG) and "device_compiler" not in tail(LOG)  # INFO lines are not kept


def test_the_first_step_is_tracing_then_compilation_then_execution():
    window = (100.0, 130.0)  # the first step: 30 s
    traces = [[99.0, 101.0], [102.0, 106.0], [140.0, 141.0]]   # 1 s and 4 s inside, one retrace much later
    compiles = [(110.0, 8.0), (120.0, 2.0), (150.0, 5.0)]      # two inside the window, one at a later retrace
    assert split(window, traces, compiles) == {"total_s": 30.0, "tracing_s": 5.0, "traces": 2, "xla_compile_s": 10.0,
                                               "xla_compilations": 2, "xla_loaded": 0, "execution_s": 15.0}
    # a program that came from the persistent cache is a load, not a compilation
    assert split(window, traces, compiles, loaded=[119.9])["xla_compilations"] == 1


def test_without_times_a_compilation_counts_in_the_first_step_and_nothing_goes_negative():
    out = split((0.0, 4.0), [[0.0, 3.0]], [(None, 9.0)])
    assert out["xla_compilations"] == 1 and out["xla_compile_s"] == 1.0 and out["execution_s"] == 0.0
    assert split(None, [], []) is None
