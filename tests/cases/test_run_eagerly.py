def test_graph_error_does_not_point_into_model_code(suite_records):
    r = suite_records[("run_eagerly", "graph_error")]
    assert r["observed"] == "label_out_of_range"
    assert r["diagnostics"]["traceback_in_model_code"] is False


def test_eager_error_points_into_model_code(suite_records):
    r = suite_records[("run_eagerly", "eager_error")]
    assert r["observed"] == "label_out_of_range"
    assert r["diagnostics"]["traceback_in_model_code"] is True and r["agrees"]


def test_eager_is_slower_than_graph(suite_records):
    r = suite_records[("run_eagerly", "eager_cost")]
    assert r["observed"] == "ok"
    assert 0 < r["metrics"]["eager_over_graph_throughput"] < 1


def test_graph_message_definition_trace_is_recorded(suite_records):
    r = suite_records[("run_eagerly", "graph_error")]
    has_trace = r["diagnostics"]["error_message_has_definition_trace"]
    assert isinstance(has_trace, bool)
    if has_trace:  # then the message itself names the model's loss code
        assert "modeling_tf" in r["error"]["message"]
