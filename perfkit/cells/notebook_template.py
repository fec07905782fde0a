"""The benchmark notebooks, generated from one template and a small table per benchmark.

Every benchmark notebook has the same cells: the title, the annotated ``parameters`` cell, the
import, the run (its printed progress folds into the report's collapsed "运行日志 Run log"),
the headline, then the detail sections of its scenario (training, inference or specs). Only the
entries of ``NOTEBOOKS`` differ. A fix to a cell is made here once; then

    python -m perfkit.cells.notebook_template            # rewrite notebooks/*.ipynb
    python -m perfkit.cells.notebook_template --check    # exit 1 naming any that differ

tests/unit/test_notebook_template.py checks that the committed notebooks equal the generated
ones. Notebooks carry no outputs and no logic: every cell calls ``perfkit.cells.benchmark``.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

from perfkit.results import vocabulary as vocab

KERNEL = {"display_name": "Python (perfkit)", "language": "python", "name": "perfkit"}
RUN_LOG_TAG = "run-log"  # perfkit.report.html folds this cell's printed output into a <details>


@dataclass(frozen=True)
class NotebookEntry:
    """What one benchmark notebook says that the others do not."""

    benchmark: str
    file: str  # notebooks/<file>.ipynb
    kind: str  # one of vocabulary.RECORD_KINDS: which detail sections follow the headline
    title: str
    origin: str  # which FlagPerf case it reproduces
    about: str = ""  # one more paragraph line before "Run it in JupyterLab"
    papermill_extra: str = ""  # extra papermill arguments in the example
    overrides_example: str = '{"max_steps": 20}'


NOTEBOOKS = (
    NotebookEntry("bert", "bert_training", vocab.TRAINING, "BERT pre-training (masked LM)", "FlagPerf seeds 000 and 002"),
    NotebookEntry("glm", "glm_training", vocab.TRAINING, "GLM fine-tuning on ReCoRD (cloze choice)", "FlagPerf seed 001"),
    NotebookEntry("mobilenetv2", "mobilenetv2_training", vocab.TRAINING, "MobileNetV2 on ImageNet2012", "FlagPerf seed 004"),
    NotebookEntry("resnet50", "resnet50_training", vocab.TRAINING, "ResNet50 on ImageNet2012",
                  "FlagPerf's resnet50-pytorch case"),
    NotebookEntry("llama", "llama_pretraining", vocab.TRAINING, "Llama pre-training (Megatron indexed data)",
                  "FlagPerf's llama3_8B Megatron case",
                  about=": a Llama-style decoder (`transformers.LlamaForCausalLM`, random init) on\nMegatron-LM's "
                        "indexed dataset; token/p/s and MFU as FlagPerf defines them (docs/llm-pretraining.md)"),
    NotebookEntry("bert_inference", "bert_inference", vocab.INFERENCE, "BERT-large masked-LM inference", "FlagPerf seed 003",
                  about=": a validation pass through the framework model\n(`transformers.BertForMaskedLM` from a local "
                        "checkpoint) and an inference pass through the chosen\nbackend (torch, torch_compile, "
                        "onnxruntime, tensorrt)",
                  papermill_extra=" -p overrides '{\"backend\": \"onnxruntime\"}'",
                  overrides_example='{"backend": "onnxruntime"}'),
    NotebookEntry("specs", "specs", vocab.SPECS, "Hardware spec sheet", "FlagPerf's base/ cases",
                  about=": compute per dtype (`torch.mm`), memory bandwidth and capacity, host-device\nand "
                        "card-to-card copies, all_reduce and all_gather (nccl-tests' busbw), each against the\n"
                        "hardware file's datasheet (docs/specs.md)",
                  overrides_example='{"gemm_dtypes": ["fp32"]}'),
)

ENERGY_NOTE = ("Sampled in the background during the run (`telemetry_interval`); energy is over the {window}, "
               "\"not measurable here\" where this machine has no power or energy source. The samples are in "
               "`telemetry.csv` beside `result.json`.")

# the detail sections after the headline: (markdown, code) pairs, code None for a markdown-only cell
TRAINING = [
    ("## 运行 Run", "pk.summary(result)"),
    ("## 环境配置 Environment\n\nMeasured at run time; what cannot be measured comes from the hardware file.",
     "pk.environment(result)"),
    ("## 运行情况 Results\n\n### 通用指标 General", "pk.general(result)"),
    ("### 性能指标 Performance", "pk.performance(result)"),
    ("### 曲线 Curves", "pk.curves(result)"),
    ("### 能耗监控结果 Energy and telemetry\n\n" + ENERGY_NOTE.format(window="training window"),
     "pk.energy(result)\n---\npk.timeline(run, result)"),
    ("## 指标定义 Metric definitions", "pk.definitions()"),
]
INFERENCE = [
    ("## 运行 Run\n\nValidation pass, export/compile (timed apart), then the inference pass until both the minimum "
     "duration and the minimum number of batches are reached.", "pk.inference_summary(result)"),
    ("## 环境配置 Environment\n\nMeasured at run time; what cannot be measured comes from the hardware file.",
     "pk.environment(result)"),
    ("## 运行情况 Results\n\n### 指标列表 Metric list", "pk.inference_metric_list(result)"),
    ("### 指标值 Values", "pk.inference_values(result)"),
    ("### 延迟 Latency", "pk.latency(result)"),
    ("### 能耗监控结果 Energy and telemetry\n\n" + ENERGY_NOTE.format(window="inference pass"),
     "pk.energy(result)\n---\npk.timeline(run, result)"),
    ("## 指标定义 Metric definitions", "pk.inference_definitions()"),
]


SPECS = [
    ("## 核心评测结果 Spec sheet\n\nOne row per case: the measured value (the median of the repeats) with its "
     "spread, the hardware file's datasheet value (unknown where the file states none: never invented), and "
     "measured / datasheet. A case that does not apply to this device says why; a case refused while it ran "
     "(its timeout) says so.", "pk.spec_sheet(result)"),
    ("## 环境配置 Environment\n\nMeasured at run time; what cannot be measured comes from the hardware file.",
     "pk.environment(result)"),
    ("## 能耗监控结果 Energy and telemetry\n\n" + ENERGY_NOTE.format(window="spec cases"),
     "pk.spec_power(result)\n---\npk.energy(result)\n---\npk.timeline(run, result)"),
    ("## 指标定义 Metric definitions", "pk.spec_definitions()"),
]
SECTIONS = {vocab.TRAINING: TRAINING, vocab.INFERENCE: INFERENCE, vocab.SPECS: SPECS}


def _intro(entry: NotebookEntry) -> str:
    return (f"# {entry.title}\n\nParameterized perfkit notebook ({entry.origin}){entry.about}. Run it in JupyterLab, "
            f"or with papermill:\n\n```\npapermill notebooks/{entry.file}.ipynb out.ipynb -p vendor cpu -p config smoke"
            f"{entry.papermill_extra}\n```\n\nEvery number below comes from the run's `result.json`; the metric "
            "definitions are at the end.")


def _parameters(entry: NotebookEntry) -> str:
    b = entry.benchmark
    return "\n".join([
        "# Parameters: papermill replaces this cell's values (-p NAME VALUE).",
        'vendor: str = "cpu"  # vendor adapter: cpu, nvidia, iluvatar, kunlunxin or a plugin\'s name',
        f'config: str = "smoke"  # run config: params/{b}/VENDOR/CONFIG.yaml',
        f'overrides: str = "{{}}"  # JSON object of param overrides, e.g. {entry.overrides_example}',
        f'output_dir: str = ""  # folder for result.json; empty: reports/runs/{b}/VENDOR/CONFIG with publish, '
        "else a new reports/interactive/ folder",
        'resolved: str = ""  # set by perfkit run/suite: the run the host resolved (JSON; its params hash is checked)',
        "publish: bool = False  # run from JupyterLab (no output_dir, no resolved): True replaces the published run; "
        "False writes reports/interactive/…/<UTC time>/",
    ])


def notebook(entry: NotebookEntry) -> nbformat.NotebookNode:
    """The notebook of one benchmark, cell ids numbered so that regenerating changes nothing."""
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    cells = [
        md(_intro(entry)),
        code(_parameters(entry), metadata={"tags": ["parameters"]}),
        code("import perfkit.cells.benchmark as pk"),
        md("## 运行日志 Run log\n\nThe run itself. Its progress lines are kept in the saved notebook and folded into "
           "one collapsed section of the report."),
        code(f'run = pk.prepare("{entry.benchmark}", vendor, config, overrides, output_dir or None, resolved, publish)\n'
             "result = pk.execute(run, publish=publish)", metadata={"tags": [RUN_LOG_TAG]}),
        md("## 结果概要 Headline\n\nStatus and the headline numbers of this run; the details follow below."),
        code("pk.headline(result)"),
        md("## 参数 Parameters\n\nThe run config layered over the reference case; † marks keys a vendor may not change."),
        code("pk.params(run)"),
    ]
    for text, calls in SECTIONS[entry.kind]:
        cells.append(md(text))
        cells.extend(code(call) for call in calls.split("\n---\n"))
    for number, cell in enumerate(cells):
        cell["id"] = f"{entry.benchmark.replace('_', '-')}-{number:02d}"
    node = nbformat.v4.new_notebook(cells=cells)
    node.metadata = {"kernelspec": dict(KERNEL), "language_info": {"name": "python"}}
    return node


def render(entry: NotebookEntry) -> str:
    """The notebook file's text, as committed."""
    return nbformat.writes(notebook(entry)) + "\n"


def differing(folder: Path) -> list[Path]:
    """Notebooks in ``folder`` that are missing or differ from the generated ones."""
    return [folder / f"{e.file}.ipynb" for e in NOTEBOOKS
            if not (folder / f"{e.file}.ipynb").is_file()
            or (folder / f"{e.file}.ipynb").read_text(encoding="utf-8") != render(e)]


def write_all(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for entry in NOTEBOOKS:
        path = folder / f"{entry.file}.ipynb"
        path.write_text(render(entry), encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m perfkit.cells.notebook_template",
                                     description="regenerate the benchmark notebooks from their template")
    parser.add_argument("--notebooks", default=str(Path(__file__).resolve().parents[2] / "notebooks"),
                        help="the notebooks folder (default: the checkout's notebooks/)")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 naming notebooks that differ")
    args = parser.parse_args(argv)
    folder = Path(args.notebooks)
    if args.check:
        stale = differing(folder)
        for path in stale:
            print(f"{path}: differs from perfkit/cells/notebook_template.py (regenerate it)", file=sys.stderr)
        return 1 if stale else 0
    for path in write_all(folder):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
