"""The names a result record is written in: its kinds, its statuses and its metric keys.

Every module that reads or writes one of these names takes it from here, so that a name has
one spelling and one meaning. Each is a plain ``str`` (records are dumped with ``json`` and
``yaml.safe_dump``, which write them as plain text); the tuples and frozensets list every name
of a family. A benchmark's quality metric (``BenchmarkInfo.quality_metric``) adds one key to its
records: the built-in benchmarks' are ``QUALITY_METRICS``, a plug-in may name its own.

Imports nothing: it is read on every side of the notebook boundary.
"""

from __future__ import annotations

# -- record kinds (RunResult.kind: the scenario that measured the run) -----------------------------
TRAINING = "training"  # a training loop: throughput over its windows, quality against a target
INFERENCE = "inference"  # a validation pass and an inference pass through a backend
SPECS = "specs"  # a hardware spec sheet: measured cases held against the datasheet

RECORD_KINDS = (TRAINING, INFERENCE, SPECS)

# -- run statuses (RunResult.status: how the run ended) --------------------------------------------
OK = "ok"  # measured to the end; the metrics are complete
FAILED = "failed"  # an error ended the run (the benchmark's, the kit's, or an error cell)
CRASHED = "crashed"  # a process the run depends on died outright (the kernel, a DataLoader worker, a node)
TIMEOUT = "timeout"  # the run's time limit passed (the kernel's timeout, Slurm's TIMEOUT or DEADLINE)
STALLED = "stalled"  # no progress and no CPU use for the stall timeout; the kernel was killed
INTERRUPTED = "interrupted"  # stopped from outside: Ctrl-C, SIGTERM or SIGHUP, scancel, preemption

RUN_STATUSES = (OK, FAILED, CRASHED, TIMEOUT, STALLED, INTERRUPTED)

# -- a suite's outcome of one of its runs: a run status, or this -----------------------------------
SKIPPED = "skipped"  # not run: an ok result with the same params, data and kit version is there
INVALID = "invalid"  # refused before it ran: a usage error (bad params, missing data)

OUTCOME_STATUSES = (*RUN_STATUSES, SKIPPED, INVALID)

# -- metrics every kind writes ----------------------------------------------------------------------
E2E_TIME = "e2e_time"  # wall seconds from benchmark start (before setup) to the end of the measured work

# telemetry over the measured window (perfkit.telemetry)
ENERGY_J = "energy_j"  # joules over the measured window
POWER_AVG_W = "power_avg_w"  # energy / window seconds
POWER_PEAK_W = "power_peak_w"  # highest power sampled in the window
SAMPLES_PER_J = "samples_per_j"  # samples of the window / energy
TOKENS_PER_J = "tokens_per_j"  # tokens of the window / energy (benchmarks that count tokens)
ENERGY_SOURCE = "energy_source"  # how the energy was measured (power samples, an energy counter), or "none"
TELEMETRY_NOTE = "telemetry_note"  # why a figure is missing, in words
TELEMETRY_WINDOW = "telemetry_window"  # [start, end] of the window on the telemetry samples' time axis
TELEMETRY_SOURCES = "telemetry_sources"  # the telemetry sources that were sampled
TELEMETRY_INTERVAL = "telemetry_interval"  # seconds between telemetry samples (0: off)

COMMON_METRICS = frozenset({
    E2E_TIME, ENERGY_J, POWER_AVG_W, POWER_PEAK_W, SAMPLES_PER_J, TOKENS_PER_J, ENERGY_SOURCE, TELEMETRY_NOTE,
    TELEMETRY_WINDOW, TELEMETRY_SOURCES, TELEMETRY_INTERVAL,
})

# -- metrics training and inference write (a model's run on its machine) ---------------------------
ACC = "acc"  # training: the quality after the final evaluation; inference: "infer/val" accuracy text in percent
MEM = "mem"  # "peak/total" GiB text of the busiest rank's memory
MEM_PEAK_GIB = "mem_peak_gib"  # the busiest rank's peak memory, GiB
MEM_TOTAL_GIB = "mem_total_gib"  # the card's (CPU: the machine's) total memory, GiB
SETUP_TIME = "setup_time"  # seconds of data, checkpoint and model setup before the measured loop
FLOPS_PER_SAMPLE = "flops_per_sample"  # analytic model FLOPs per sample (training: forward and backward)
PEAK_TFLOPS = "peak_tflops"  # the peak MFU is taken against, TFLOP/s (None without one)
PEAK_SOURCE = "peak_source"  # where that peak comes from (the hardware file, a measured GEMM peak)
MFU = "mfu"  # model FLOPs utilisation: achieved model FLOP/s / peak_tflops, a fraction
MFU_DATASHEET = "mfu_datasheet"  # MFU against the hardware file's peak
PEAK_DATASHEET_TFLOPS = "peak_datasheet_tflops"  # the hardware file's peak for the run's precision
PEAK_DATASHEET_SOURCE = "peak_datasheet_source"  # which hardware file, or why there is none
MFU_MEASURED = "mfu_measured"  # MFU against the measured peak (a spec sheet's GEMM, else the engine's)
PEAK_MEASURED_TFLOPS = "peak_measured_tflops"  # that measured peak
PEAK_MEASURED_SOURCE = "peak_measured_source"  # where it was measured, or why there is none
ROOFLINE = "roofline"  # the run on its machine's roofline: achieved TFLOP/s, intensity, ceilings

MODEL_METRICS = frozenset({
    ACC, MEM, MEM_PEAK_GIB, MEM_TOTAL_GIB, SETUP_TIME, FLOPS_PER_SAMPLE, PEAK_TFLOPS, PEAK_SOURCE, MFU,
    MFU_DATASHEET, PEAK_DATASHEET_TFLOPS, PEAK_DATASHEET_SOURCE, MFU_MEASURED, PEAK_MEASURED_TFLOPS,
    PEAK_MEASURED_SOURCE, ROOFLINE,
})

# -- training (perfkit.scenarios.training) ----------------------------------------------------------
P_WHOLE = "p_whole"  # samples / train window (first step to the end of the final evaluation)
P_TRAIN = "p_train"  # samples / (train window - evaluation time)
P_CORE = "p_core"  # samples / device compute time (forward, backward, optimizer step)
FIRST_EVAL_ACC = "first_eval_acc"  # the quality at the first evaluation
TARGET = "target"  # the quality the run trains to reach
CONVERGED = "converged"  # whether the quality reached the target
STEPS_TO_TARGET = "steps_to_target"  # optimizer steps until the target was reached (None: never)
STEPS = "steps"  # optimizer steps run
SAMPLES = "samples"  # training samples over all ranks
GLOBAL_BATCH = "global_batch"  # samples per optimizer step over all ranks
TRAIN_TIME = "train_time"  # seconds of the train window
EVAL_TIME = "eval_time"  # seconds of evaluations inside the train window
COMPUTE_TIME = "compute_time"  # device seconds of forward, backward and optimizer steps
STEP_TIME_MEDIAN = "step_time_median"  # median wall seconds of one step
STEP_TIME_P90 = "step_time_p90"  # 90th percentile wall seconds of one step
FIX_HP = "fix_hp"  # the hyper-parameters a vendor set to fill the card, as the seeds print them
OPTIMIZER = "optimizer"  # the optimizer class and its kernel path, e.g. "AdamW (fused)"

TRAINING_METRICS = frozenset({
    P_WHOLE, P_TRAIN, P_CORE, FIRST_EVAL_ACC, TARGET, CONVERGED, STEPS_TO_TARGET, STEPS, SAMPLES, GLOBAL_BATCH,
    TRAIN_TIME, EVAL_TIME, COMPUTE_TIME, STEP_TIME_MEDIAN, STEP_TIME_P90, FIX_HP, OPTIMIZER,
})

# -- inference (perfkit.scenarios.inference) --------------------------------------------------------
P_VAL_WHOLE = "p_val_whole"  # validation samples / validation pass wall time (framework model)
P_VAL_CORE = "p_val_core"  # validation samples / device forward time of the framework model
P_INFER_WHOLE = "p_infer_whole"  # inference samples / inference pass wall time (the backend)
P_INFER_CORE = "p_infer_core"  # inference samples / device time of the backend
INFER_TIME = "infer_time"  # seconds per inference sample: 1 / p_infer_core
LATENCY_P50 = "latency_p50"  # median seconds of one inference batch
LATENCY_P90 = "latency_p90"  # 90th percentile seconds of one inference batch
LATENCY_P99 = "latency_p99"  # 99th percentile seconds of one inference batch
BYTE_PER_BATCH = "byte_per_batch"  # bytes of one batch's input tensors as fed to the backend
BATCH_SIZE = "batch_size"  # samples per batch
ACC_INFER = "acc_infer"  # accuracy of the inference pass (the backend), a fraction
ACC_VAL = "acc_val"  # accuracy of the validation pass (the framework model), a fraction
MASKED_TOKENS = "masked_tokens"  # masked tokens the inference accuracy is counted over
EXPORT_TIME = "export_time"  # seconds of export / compile / engine build, outside every window
VAL_TIME = "val_time"  # seconds of the validation pass
INFER_WHOLE_TIME = "infer_whole_time"  # seconds of the inference pass
INFER_CORE_TIME = "infer_core_time"  # device seconds of the backend in the inference pass
VAL_SAMPLES = "val_samples"  # samples of the validation pass
INFER_SAMPLES = "infer_samples"  # samples of the inference pass
VAL_BATCHES = "val_batches"  # batches of the validation pass
INFER_BATCHES = "infer_batches"  # batches of the inference pass
EVAL_BATCHES = "eval_batches"  # batches of the evaluation set (the validation pass runs each once)
WARMUP_BATCHES = "warmup_batches"  # batches run before either window, not measured
BACKEND = "backend"  # the inference backend's name (torch, torch_compile, onnxruntime, tensorrt)
ENGINE = "engine"  # the library and version behind the backend
PROVIDER = "provider"  # onnxruntime's execution provider
COMPILE_MODE = "compile_mode"  # torch.compile's mode

INFERENCE_METRICS = frozenset({
    P_VAL_WHOLE, P_VAL_CORE, P_INFER_WHOLE, P_INFER_CORE, INFER_TIME, LATENCY_P50, LATENCY_P90, LATENCY_P99,
    BYTE_PER_BATCH, BATCH_SIZE, ACC_INFER, ACC_VAL, MASKED_TOKENS, EXPORT_TIME, VAL_TIME, INFER_WHOLE_TIME,
    INFER_CORE_TIME, VAL_SAMPLES, INFER_SAMPLES, VAL_BATCHES, INFER_BATCHES, EVAL_BATCHES, WARMUP_BATCHES, BACKEND,
    ENGINE, PROVIDER, COMPILE_MODE,
})

# -- spec sheets (perfkit.scenarios.specs) ----------------------------------------------------------
SPEC_CASES = "spec_cases"  # every entry of the sheet: its figure or why it has none, its seconds
CASES_MEASURED = "cases_measured"  # entries measured
CASES_NOT_APPLICABLE = "cases_not_applicable"  # entries that do not apply on this machine
CASES_REFUSED = "cases_refused"  # entries refused while they ran
SPEC_TIME = "spec_time"  # seconds the cases took together
DATASHEET_SOURCE = "datasheet_source"  # the hardware file the datasheet figures come from, or "none stated"

SPEC_METRICS = frozenset({SPEC_CASES, CASES_MEASURED, CASES_NOT_APPLICABLE, CASES_REFUSED, SPEC_TIME, DATASHEET_SOURCE})

# -- a run's one-line summary (`perfkit run`, each kind's scenario): its headline metrics -------------
HEADLINE_KEYS = {
    TRAINING: (E2E_TIME, P_WHOLE, P_TRAIN, P_CORE, ACC, MEM),
    # accuracy as 0-1, as every report shows it (the record's "acc" keeps the seed's percent text)
    INFERENCE: (E2E_TIME, P_VAL_WHOLE, P_VAL_CORE, P_INFER_WHOLE, P_INFER_CORE, EXPORT_TIME, ACC_INFER, ACC_VAL, MEM),
    SPECS: (E2E_TIME, CASES_MEASURED, CASES_NOT_APPLICABLE, CASES_REFUSED),
}

# -- LLM pre-training (perfkit.benchmarks.llama_pretraining) ----------------------------------------
TOKENS_PER_CARD_S = "tokens_per_card_s"  # FlagPerf's token/p/s: tokens / (train - eval seconds) / chips
TOKENS_PER_CARD_S_CORE = "tokens_per_card_s_core"  # tokens / device compute seconds / chips
GLOBAL_BATCH_TOKENS = "global_batch_tokens"  # tokens per optimizer step over all ranks
CHIPS = "chips"  # the ranks the run trained on
NON_EMBEDDING_PARAMS = "non_embedding_params"  # parameters without the input embedding (the N of 6·N)
TOTAL_PARAMS = "total_params"  # every parameter of the model
FLOPS_PER_TOKEN_6N = "flops_per_token_6n"  # training FLOPs per token, 6·N
FLOPS_PER_TOKEN_ATTN = "flops_per_token_attn"  # 6·N + 12·L·h·s: attention scores counted
MFU_ATTN = "mfu_attn"  # MFU with flops_per_token_attn
MFU_FORMULA = "mfu_formula"  # how mfu was computed, in words
MFU_ATTN_FORMULA = "mfu_attn_formula"  # how mfu_attn was computed, in words
LOSS = "loss"  # the mean training loss of the last steps
UNIGRAM_ENTROPY = "unigram_entropy"  # the loss of a model that knows only token frequencies
LOSS_BELOW_UNIGRAM = "loss_below_unigram"  # whether the loss went below the unigram entropy
LOSS_ALIGNED = "loss_aligned"  # FlagPerf's loss alignment verdict against a reference run (None: none)
LOSS_MEAN_RELATIVE_ERROR = "loss_mean_relative_error"  # mean relative loss error against the reference
LOSS_STEPS_COMPARED = "loss_steps_compared"  # steps the alignment compared
LOSS_REFERENCE = "loss_reference"  # the reference run's result.json, or ""
MODEL_SHAPE = "model_shape"  # the Llama shape's name
PRECISION_MODE = "precision_mode"  # the precision in FlagPerf's words
ATTENTION = "attention"  # the attention implementation
SHARDING = "sharding"  # how the model is spread over the ranks

LLM_METRICS = frozenset({
    TOKENS_PER_CARD_S, TOKENS_PER_CARD_S_CORE, GLOBAL_BATCH_TOKENS, CHIPS, NON_EMBEDDING_PARAMS, TOTAL_PARAMS,
    FLOPS_PER_TOKEN_6N, FLOPS_PER_TOKEN_ATTN, MFU_ATTN, MFU_FORMULA, MFU_ATTN_FORMULA, LOSS, UNIGRAM_ENTROPY,
    LOSS_BELOW_UNIGRAM, LOSS_ALIGNED, LOSS_MEAN_RELATIVE_ERROR, LOSS_STEPS_COMPARED, LOSS_REFERENCE, MODEL_SHAPE,
    PRECISION_MODE, ATTENTION, SHARDING,
})

# -- the built-in benchmarks' quality metrics (BenchmarkInfo.quality_metric), each a fraction -------
TOP1_ACCURACY = "top1_accuracy"  # share of images whose top class is right (ResNet50, MobileNetV2)
MLM_ACCURACY = "mlm_accuracy"  # share of masked tokens predicted right (BERT)
RECORD_ACCURACY = "record_accuracy"  # share of ReCoRD cloze choices right (GLM)
NEXT_TOKEN_ACCURACY = "next_token_accuracy"  # share of next tokens predicted right (Llama)
PERCENT_OF_DATASHEET = "percent_of_datasheet"  # the spec sheet's: measured / datasheet in %, a field of each spec_cases entry

QUALITY_METRICS = frozenset({TOP1_ACCURACY, MLM_ACCURACY, RECORD_ACCURACY, NEXT_TOKEN_ACCURACY, PERCENT_OF_DATASHEET})

# every key a measured record's metrics may hold (besides a plug-in benchmark's own)
RECORD_METRICS = (COMMON_METRICS | MODEL_METRICS | TRAINING_METRICS | INFERENCE_METRICS | SPEC_METRICS | LLM_METRICS
                  | QUALITY_METRICS)

# -- keys only the rows of an imported FlagPerf page carry (perfkit.importing) ---------------------
THROUGHPUT = "throughput"  # the page's one throughput column (性能), samples/s
MFU_HIGH = "mfu_high"  # the page's upper MFU figure (MFU high), a fraction
MAP = "map"  # mean average precision (detection pages)
PPL = "ppl"  # perplexity
EPOCHS = "epochs"  # epochs trained

PAGE_METRICS = frozenset({THROUGHPUT, MFU_HIGH, MAP, PPL, EPOCHS})

# every metric name perfkit reads or writes
METRIC_NAMES = RECORD_METRICS | PAGE_METRICS
