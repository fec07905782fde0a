import shutil
from pathlib import Path

import pytest

from perfkit.benchmarks.bert_training import BertParams
from perfkit.errors import ParamsError
from perfkit.params import parse_overrides, resolve_params
from perfkit.params.hardware import load_hardware


def resolve(vendor="cpu", config="smoke", overrides=None):
    return resolve_params("bert", BertParams, vendor, config, overrides)


def test_schema_defaults_are_the_public_reference_case():
    p = BertParams()
    assert (p.num_layers, p.hidden_size, p.num_heads, p.seq_len) == (24, 1024, 16, 512)
    assert p.max_predictions_per_seq == 76
    assert p.optimizer == "lamb"
    assert p.target_mlm_accuracy == pytest.approx(0.720)
    assert p.precision == "fp32"


def test_smoke_config_layers_over_the_defaults():
    r = resolve()
    assert r.params.num_layers == 2 and r.params.hidden_size == 128
    assert r.params.optimizer == "lamb"  # not in the file: the reference default stays
    assert r.topology == "1x1" and r.hardware == "cpu"
    assert not r.standard and "num_layers" in r.nonstandard_keys


def test_overrides_win_and_change_the_hash():
    base = resolve()
    changed = resolve(overrides={"max_steps": 7})
    assert changed.params.max_steps == 7
    assert changed.params_hash != base.params_hash
    assert resolve().params_hash == base.params_hash


@pytest.mark.parametrize(
    "overrides, needle",
    [
        ({"no_such_key": 1}, "unknown key 'no_such_key'"),
        ({"batch_size": 0}, "key 'batch_size'"),
        ({"batch_size": -3}, "key 'batch_size'"),
        ({"batch_size": "eight"}, "key 'batch_size'"),
        ({"precision": "fp8"}, "key 'precision'"),
        ({"optimizer": "sgd"}, "key 'optimizer'"),
    ],
)
def test_bad_overrides_name_the_key_and_the_source(overrides, needle):
    with pytest.raises(ParamsError) as info:
        resolve(overrides=overrides)
    message = str(info.value)
    assert needle in message
    assert message.startswith("overrides (--set)")
    assert "\n" not in message


def test_unknown_key_lists_what_is_allowed():
    with pytest.raises(ParamsError, match="allowed: .*batch_size"):
        resolve(overrides={"batchsize": 8})


@pytest.mark.parametrize(
    "args, needle",
    [
        (("bert", "cpu", "nope"), "unknown config 'nope' for bert/cpu"),
        (("bert", "acme", "smoke"), "no run configs for vendor 'acme'"),
        (("gpt9", "cpu", "smoke"), "unknown benchmark 'gpt9'"),
    ],
)
def test_unknown_names_list_the_alternatives(args, needle):
    with pytest.raises(ParamsError) as info:
        resolve_params(args[0], BertParams, args[1], args[2])
    assert needle in str(info.value)
    assert "allowed:" in str(info.value)


def test_seed_rows_exist_with_their_topology_and_hyperparameters():
    for name, topology in (("R300x1x1", "1x1"), ("R300x1x8", "1x8"), ("R300x2x8", "2x8")):
        r = resolve("kunlunxin", name)
        assert r.topology == topology
        assert (r.params.batch_size, r.params.learning_rate, r.params.precision) == (8, 3.5e-4, "fp32")
        assert r.standard
        assert load_hardware(r.hardware).short_name == "R300"
    for name in ("BI-V100x1x1", "BI-V100x1x8", "BI-V100x2x8"):
        r = resolve("iluvatar", name)
        assert load_hardware(r.hardware).short_name == "BI-V100"


def test_vendor_may_not_change_model_keys_without_allow_nonstandard():
    with pytest.raises(ParamsError, match="key 'num_layers' may not be changed by a vendor"):
        resolve("kunlunxin", "R300x1x8", {"num_layers": 2})
    r = resolve("kunlunxin", "R300x1x8", {"num_layers": 2, "allow_nonstandard": True})
    assert r.nonstandard_keys == ("num_layers",)
    assert resolve("kunlunxin", "R300x1x8", {"batch_size": 16}).standard


@pytest.fixture()
def scratch_root(tmp_path, monkeypatch, project_root):
    """A copy of params/ and notebooks/ to damage, found through PERFKIT_ROOT."""
    shutil.copytree(project_root / "params", tmp_path / "params")
    (tmp_path / "notebooks").mkdir()
    monkeypatch.setenv("PERFKIT_ROOT", str(tmp_path))
    return tmp_path


def test_malformed_yaml_names_the_file_and_line(scratch_root: Path):
    (scratch_root / "params/bert/cpu/broken.yaml").write_text("params:\n  batch_size: [1, 2\n")
    with pytest.raises(ParamsError) as info:
        resolve(config="broken")
    assert "params/bert/cpu/broken.yaml: malformed YAML at line" in str(info.value)


def test_bad_value_in_a_file_names_that_file(scratch_root: Path):
    (scratch_root / "params/bert/cpu/zero.yaml").write_text("params:\n  batch_size: 0\n")
    with pytest.raises(ParamsError, match=r"params/bert/cpu/zero.yaml: key 'batch_size'"):
        resolve(config="zero")


def test_unknown_top_level_key_in_a_file(scratch_root: Path):
    (scratch_root / "params/bert/cpu/odd.yaml").write_text("parms:\n  batch_size: 2\n")
    with pytest.raises(ParamsError, match="unknown top-level key 'parms'"):
        resolve(config="odd")


def test_topology_that_contradicts_the_name_is_refused(scratch_root: Path):
    (scratch_root / "params/bert/cpu/cpux1x2.yaml").write_text("nproc_per_node: 4\n")
    with pytest.raises(ParamsError, match="contradicts the config name"):
        resolve(config="cpux1x2")


def test_parse_overrides_reads_yaml_scalars():
    assert parse_overrides(["max_steps=20", "learning_rate=1e-3", "precision=bf16", "data_dir="]) == {
        "max_steps": 20,
        "learning_rate": 1e-3,
        "precision": "bf16",
        "data_dir": "",
    }
    with pytest.raises(ParamsError, match="not KEY=VALUE"):
        parse_overrides(["max_steps"])


BUILTINS = ("bert", "bert_inference", "glm", "mobilenetv2", "resnet50")


@pytest.mark.parametrize("name", BUILTINS)
def test_each_declaration_is_what_its_benchmark_class_uses(name):
    """The host resolves with the declaration, the kernel builds with the class: the same model."""
    from perfkit.benchmarks import benchmark_class, declaration

    declared, cls = declaration(name), benchmark_class(name)
    assert declared.params_model is cls.params_model and declared.info == cls.info
    assert declared.kind == cls.info.kind and declared.info.name == name


@pytest.mark.parametrize("name", BUILTINS)
def test_data_settings_are_a_part_of_what_the_builder_records(name):
    """A dry run tells a stale built folder from the params' share of the builder's settings."""
    from perfkit.benchmarks import benchmark_class, declaration
    from perfkit.run.spec import prepare

    params = prepare(name, "cpu", "smoke").resolved.params
    wanted = params.data_settings()
    built = benchmark_class(name)(params).build_settings()
    assert declaration(name).params_model is type(params)
    assert (wanted is None) == (built is None)
    if wanted is not None:
        assert wanted.items() <= built.items(), (wanted, built)


def test_a_plugin_declares_its_params_without_its_benchmark_module(tmp_path, monkeypatch):
    """A plug-in's perfkit.benchmark_declarations entry point gives the host its params model;
    the benchmark module (which would import torch) is not imported."""
    import sys

    from perfkit import plugins
    from perfkit.benchmarks import declaration

    site = tmp_path / "site"
    pkg = site / "acme_bench"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "declared.py").write_text(
        "from perfkit.benchmarks.declared import BenchmarkDeclaration\n"
        "from perfkit.params.schema import TrainingParams\n"
        "from perfkit.results.benchmark_info import BenchmarkInfo\n"
        "class AcmeParams(TrainingParams):\n    width: int = 8\n"
        "DECLARATION = BenchmarkDeclaration(AcmeParams, BenchmarkInfo('acme', 'Acme', 'training', 't', 'm', 'd', "
        "'acc', 'acc', 'acme.ipynb'))\n")
    (pkg / "benchmark.py").write_text("raise ImportError('the benchmark module was imported')\n")
    info = site / "acme_bench-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-bench\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[perfkit.benchmarks]\nacme = acme_bench.benchmark:Acme\n\n"
                                           "[perfkit.benchmark_declarations]\nacme = acme_bench.declared:DECLARATION\n")
    monkeypatch.syspath_prepend(str(site))
    found = declaration("acme")
    assert found.params_model.__name__ == "AcmeParams" and found.kind == "training"
    assert "acme_bench.benchmark" not in sys.modules
    plugins.scan_entry_points.cache_clear()


@pytest.mark.parametrize("overrides, needle", [
    ({"num_heads": 3}, "key 'num_heads': num_heads=3 does not divide hidden_size=1024"),
    ({"hidden_size": 96, "num_heads": 64}, "num_heads=64 does not divide hidden_size=96"),
    ({"num_heads": 2048}, "num_heads=2048 does not divide hidden_size=1024"),
])
def test_heads_must_divide_the_hidden_width(overrides, needle):
    from perfkit.params import params_from_overrides

    with pytest.raises(ParamsError, match=needle):
        params_from_overrides(BertParams, overrides)


def test_a_parsed_params_file_is_reused_until_it_changes(tmp_path):
    from perfkit.params.loading import load_yaml_mapping, parsed_yaml

    parsed_yaml.cache_clear()
    path = tmp_path / "c.yaml"
    path.write_text("params:\n  batch_size: 2\n")
    first = load_yaml_mapping(path)
    first["params"]["batch_size"] = 99  # a caller's copy: the cache is not changed through it
    assert load_yaml_mapping(path) == {"params": {"batch_size": 2}}
    assert parsed_yaml.cache_info().hits == 1
    path.write_text("params:\n  batch_size: 16\n")  # another size: read again
    assert load_yaml_mapping(path) == {"params": {"batch_size": 16}}
