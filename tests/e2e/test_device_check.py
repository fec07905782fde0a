"""The device check's plumbing on the CPU with tiny shapes: every check runs, the JSON carries
the figures the GPU run reports, the table prints. (The figures themselves mean nothing here.)"""

from __future__ import annotations

import json
import math

from perfkit.selfcheck import device_check


def test_tiny_device_check_runs_every_check_and_writes_the_figures(tmp_path, capsys):
    out = tmp_path / "device-check.json"
    code = device_check.main(["--tiny", "--out", str(out), "--workdir", str(tmp_path / "work")])
    printed = capsys.readouterr().out
    report = json.loads(out.read_text())
    checks = {c["name"]: c for c in report["checks"]}
    assert code == 0, [c["error"] for c in checks.values()]
    assert set(checks) == {"bert_training", "bert_inference_torch", "mobilenetv2_training", "llama_training"}
    llama = checks["llama_training"]["figures"]
    assert llama["steps"] == report["plan"]["llama_steps"] and llama["hand"] > 0 and len(llama["hand_runs"]) == 2
    assert math.isclose(llama["ratio_p_train"], llama["p_train"] / llama["hand"])
    assert llama["tokens_per_card_s"] > 0 and llama["mfu_attn"] > llama["mfu_6n"] > 0
    assert llama["goal_ratio"] == 0.98 and llama["goal_mfu_attn"] == 0.45 and llama["shape"]["shape"] == "tiny"
    for name in ("bert_training", "mobilenetv2_training"):
        f = checks[name]["figures"]
        assert f["p_train"] > 0 and f["hand"] > 0 and len(f["hand_runs"]) == 2
        assert math.isclose(f["ratio_p_train"], f["p_train"] / f["hand"])
        assert f["steps"] == report["plan"]["bert_train_steps" if name == "bert_training" else "mobilenet_steps"]
    bert = checks["bert_training"]["figures"]
    assert bert["peak_tflops"] > 0 and bert["mfu_p_core"] > 0 and bert["goal_ratio"] == 0.97
    infer = checks["bert_inference_torch"]["figures"]
    assert infer["p_infer_core"] > 0 and infer["mfu"] > 0 and infer["goal_seq_per_s"] == 900
    for check in checks.values():  # energy: a figure or "not measurable here", never 0
        f = check["figures"]
        if f["energy_j"] is None:
            assert f["telemetry_note"].startswith("not measurable here")
        else:
            assert f["energy_j"] > 0
    assert report["environment"]["torch"] and report["plan"]["vendor"] == "cpu"
    assert "bert_training" in printed and "vs hand / MFU" in printed and str(out) in printed


def test_full_plan_is_the_real_size():
    plan = device_check.full_plan()
    assert plan.vendor == "nvidia" and plan.train_precision == "bf16"
    shape = plan.bert_train
    assert (shape["num_layers"], shape["hidden_size"], shape["num_heads"], shape["seq_len"]) == (24, 1024, 16, 512)
    assert plan.bert_infer["precision"] == "fp16" and plan.bert_infer["batch_size"] == 32
    assert plan.bert_infer["seq_len"] == 512 and set(plan.infer_backends) == {"torch", "torch_compile"}
    assert plan.mobilenet["image_size"] == 224
    assert plan.llama["shape"] == "llama_1b" and plan.llama["seq_len"] == 4096 and plan.llama_config == "H100x1x1"


def test_table_marks_failed_checks_and_unmet_goals():
    ok = device_check.CheckResult("bert_inference_torch", True, {"p_infer_core": 450.0, "mfu": 0.2,
                                                                 "goal_seq_per_s": 900.0, "energy_j": None})
    failed = device_check.CheckResult("bert_training", False, error="VendorError: no card")
    text = device_check.table([ok, failed])
    assert "NOT met" in text and "FAILED: VendorError: no card" in text and "n/m" in text
