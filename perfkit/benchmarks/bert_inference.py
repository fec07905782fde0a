"""BERT-large masked-LM inference, the FlagPerf case of seed 003.

``transformers.BertForMaskedLM`` loaded from a local ``save_pretrained`` folder (safetensors),
on a plain-text eval file tokenized with the WordPiece vocabulary, 10% of tokens masked (fixed
seed), sequences of 512, batches of 32; top-1 accuracy on the masked positions. Defaults are the
reference (bert-large-uncased); the smoke config makes a small BERT, saves it in the checkpoint
folder and loads it back through the same code.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import ClassVar

import torch

from perfkit import paths
from perfkit.benchmarks.base import Batch
from perfkit.benchmarks.bert_model import bert_config, bert_encoder_mlm_forward_flops
from perfkit.benchmarks.checkpoint import (
    check_checkpoint,
    check_complete,
    initial_checkpoint_settings,
    initial_settings,
    load_pretrained,
    save_initial_checkpoint,
)
from perfkit.benchmarks.declared.bert_inference import INFO, BertInferenceParams
from perfkit.benchmarks.inference_base import InferenceBenchmark
from perfkit.data import text_eval
from perfkit.data.autobuild import autobuild, choose_folder, hold_shared
from perfkit.data.hashing import DataIdentity, hash_files, identify
from perfkit.data.locking import FolderLock
from perfkit.errors import DataError
from perfkit.params.schema import InferenceParams

CHECKPOINT_DIR = "checkpoint"
UNIGRAM_PRIOR = "random init; MLM bias = log unigram frequency of the held-out offline text"
PRIOR_SCALE = 1.0


class BertInference(InferenceBenchmark):
    info = INFO
    params_model: ClassVar[type[InferenceParams]] = BertInferenceParams
    params: BertInferenceParams

    # -- data -------------------------------------------------------------------------------
    def _settings(self) -> text_eval.EvalTextSettings:
        return text_eval.EvalTextSettings(vocab_size=self.params.vocab_size, max_documents=self.params.max_documents)

    def build_settings(self) -> dict:
        return asdict(self._settings())

    def build_data(self, out: Path) -> str:
        return text_eval.build_eval_text(out, self._settings())

    def _files(self) -> tuple[Path, Path]:
        root = self.data_dir()
        return root / self.params.eval_file, root / self.params.vocab_file

    def checkpoint_dir(self) -> Path:
        """init_checkpoint; else the checkpoint folder in the data folder: with data_autobuild
        the one for these params (``checkpoint``, or ``checkpoint.<key>`` beside a checkpoint
        perfkit made for other params, which is never replaced under another run)."""
        if self.params.init_checkpoint:
            return paths.resolve_under(paths.project_root(), self.params.init_checkpoint)
        chosen = getattr(self, "_checkpoint_folder", None)
        if chosen is not None:
            return chosen
        folder = self.data_dir() / CHECKPOINT_DIR
        if not self.params.data_autobuild:
            return folder
        return choose_folder(folder, self._wanted_checkpoint(), initial_checkpoint_settings)

    def _wanted_checkpoint(self) -> dict:
        from transformers import BertForMaskedLM

        return initial_settings(BertForMaskedLM, self.model_config(), self.params.seed, UNIGRAM_PRIOR)

    def prepare_data(self) -> DataIdentity:
        root = self.autobuild_or_fail(self.data_dir(), self.info.name)
        eval_file, vocab_file = self._files()
        text_eval.read_eval_text(eval_file)
        size = text_eval.check_vocab(vocab_file)
        if size > self.params.vocab_size:
            raise DataError(
                f"{vocab_file}: {size} tokens, more than vocab_size={self.params.vocab_size}; "
                "set vocab_size to at least the vocabulary's size"
            )
        self.eval_batches()  # the eval set makes whole batches with masked tokens to score
        self._ensure_checkpoint()
        return identify(root)

    def _autobuilt_checkpoint(self, folder: Path) -> bool:
        """True where perfkit builds (or built) the checkpoint itself: data_autobuild is on and
        the folder is missing, empty, or holds an initial checkpoint perfkit made."""
        if not self.params.data_autobuild:
            return False
        return not folder.exists() or (folder.is_dir() and not any(folder.iterdir())) \
            or initial_checkpoint_settings(folder) is not None

    def _ensure_checkpoint(self) -> None:
        """A missing (or empty) checkpoint folder is built, random init, seeded, only where
        data_autobuild allows: the one for these params in the data folder (a checkpoint perfkit
        made there for other params is kept, see :meth:`checkpoint_dir`), or the init_checkpoint
        folder as named. A checkpoint that is there is used as it is and checked. The folder read
        is held with a shared lock for as long as this object lives."""
        from transformers import BertForMaskedLM

        folder = self.checkpoint_dir()
        lock: FolderLock | None
        if self.params.data_autobuild:
            config, wanted = self.model_config(), self._wanted_checkpoint()

            def build(out: Path) -> None:
                save_initial_checkpoint(BertForMaskedLM, config, out, self.params.seed, self._unigram_prior,
                                        UNIGRAM_PRIOR)

            if self.params.init_checkpoint:  # the folder the user named: built when missing, else used
                folder, lock = autobuild(folder, wanted, lambda _: wanted, build)
            else:
                folder, lock = autobuild(self.data_dir() / CHECKPOINT_DIR, wanted, initial_checkpoint_settings, build)
            self._checkpoint_folder = folder
        else:
            lock = hold_shared(folder) if folder.is_dir() else None
        self._checkpoint_lock = lock
        check_checkpoint(str(folder), self.model_config())

    def _unigram_prior(self, model: torch.nn.Module) -> None:
        """Set the MLM output bias to log unigram frequencies of the offline text that is not in
        the eval file, so a random encoder predicts the frequent words: accuracy well above
        chance, and a backend that computes something else shows up in the accuracy column."""
        _, vocab_file = self._files()
        ids = text_eval.tokenize(text_eval.held_out_text(self._settings()), vocab_file)
        if not ids:
            return
        counts = torch.bincount(torch.tensor(ids), minlength=self.params.vocab_size).double()
        prior = torch.log((counts + 0.1) / (counts.sum() + 0.1 * len(counts)))
        with torch.no_grad():
            model.get_parameter("cls.predictions.bias").copy_(PRIOR_SCALE * (prior - prior.mean()).float())

    def eval_batches(self) -> list[Batch]:
        eval_file, vocab_file = self._files()
        p = self.params
        ids = text_eval.tokenize(text_eval.read_eval_text(eval_file), vocab_file)
        arrays = text_eval.mask_and_chunk(ids, vocab_file, p.seq_len, p.mask_prob, p.seed, p.eval_samples)
        return text_eval.fixed_batches(arrays, p.batch_size, eval_file)

    # -- model ------------------------------------------------------------------------------
    def model_config(self):
        return bert_config(self.params, self.params.seq_len)

    def check_model_inputs(self) -> None:
        folder = self.checkpoint_dir()
        if not self._autobuilt_checkpoint(folder):
            from transformers import BertForMaskedLM

            check_complete(BertForMaskedLM, str(folder), self.model_config(), self.params.allow_partial_checkpoint)

    def build_model(self) -> torch.nn.Module:
        from transformers import BertForMaskedLM

        return load_pretrained(BertForMaskedLM, str(self.checkpoint_dir()), self.model_config(),
                               self.params.allow_partial_checkpoint).eval()

    def checkpoint_identity(self) -> dict[str, str]:
        folder = self.checkpoint_dir()
        weights = sorted(folder.glob("*.safetensors")) + [folder / "config.json"]
        return {"path": str(folder), "hash": hash_files(folder, weights), "method": "sha256 of config and weights"}

    def model_inputs(self, batch: Batch) -> Batch:
        return {key: batch[key] for key in text_eval.MODEL_INPUTS}

    def correct_counts(self, logits: torch.Tensor, batch: Batch) -> tuple[float, float]:
        correct, total = self.correct_count_tensors(logits, batch)
        return float(correct.item()), float(total.item())

    def correct_count_tensors(self, logits: torch.Tensor, batch: Batch) -> tuple[torch.Tensor, torch.Tensor]:
        labels = batch["labels"]
        masked = labels != -100
        correct = (logits[masked].argmax(dim=-1) == labels[masked]).sum()
        return correct.float(), masked.sum().float()

    def tokens_per_sample(self) -> int | None:
        return self.params.seq_len

    def flops_per_sample(self) -> float:
        """Forward FLOPs of one sequence of seq_len tokens: encoder and MLM head (no pooler)."""
        p = self.params
        return bert_encoder_mlm_forward_flops(p.num_layers, p.hidden_size, p.intermediate_size, p.vocab_size, p.seq_len)
