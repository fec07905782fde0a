from pathlib import Path

import h5py
import numpy as np
import pytest
import torch

from perfkit.data import mlperf_bert
from perfkit.data.build_bert import BertBuildSettings, build_bert_dataset
from perfkit.data.hashing import cache_file, identify
from perfkit.data.sampling import GlobalBatchSampler, epoch_order
from perfkit.errors import DataError

TINY = BertBuildSettings(seq_len=64, max_predictions_per_seq=8, vocab_size=1000, dupe_factor=1, train_shards=2)


def test_build_is_deterministic_and_hashed(tmp_path):
    first = build_bert_dataset(tmp_path / "a", TINY)
    second = build_bert_dataset(tmp_path / "b", TINY)
    assert first == second
    identity = identify(tmp_path / "a")
    assert identity.manifest_hash == first and identity.matches_build is True
    assert identity.method == "sha256 of the files read"
    assert identity.content_hash == identify(tmp_path / "b").content_hash
    other = build_bert_dataset(tmp_path / "c", BertBuildSettings(**{**TINY.__dict__, "seed": 7}))
    assert other != first


def test_built_shards_follow_the_mlperf_format(bert_data: Path):
    shards = mlperf_bert.list_shards(bert_data / "2048_shards_uncompressed", "training")
    assert len(shards) == 4
    with h5py.File(shards[0], "r") as handle:
        assert set(handle) == set(mlperf_bert.KEYS)
        n = handle["input_ids"].shape[0]
        assert handle["input_ids"].shape == (n, 64)
        assert handle["masked_lm_positions"].shape == (n, 10)
        assert handle["next_sentence_labels"].shape == (n,)
        ids = handle["input_ids"][:]
        mask = handle["input_mask"][:]
        positions = handle["masked_lm_positions"][:]
        labels = handle["masked_lm_ids"][:]
    assert ids.max() < 4096
    assert np.all((ids != 0) == (mask == 1))  # padding is exactly where the mask is 0
    vocab = (bert_data / "vocab.txt").read_text().split("\n")
    assert vocab[:5] == ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    assert np.all(ids[:, 0] == vocab.index("[CLS]"))
    real = labels != 0
    assert real.sum(axis=1).min() >= 1
    # masked positions are inside the sequence and hold [MASK] most of the time
    rows = np.nonzero(real)[0]
    masked_tokens = ids[rows, positions[real]]
    assert np.mean(masked_tokens == vocab.index("[MASK]")) > 0.6


def test_reader_turns_positions_into_dense_labels(bert_data: Path):
    ds = mlperf_bert.BertShardDataset(mlperf_bert.list_shards(bert_data / "2048_shards_uncompressed", "training"))
    index = [0, len(ds) - 1, 5]
    batch = ds.__getitems__(index)
    assert batch["input_ids"].dtype == torch.long
    assert batch["labels"].shape == batch["input_ids"].shape
    # compare against the raw rows of the first shard
    raw = mlperf_bert.read_shard(ds.shards[0])
    real = raw["masked_lm_ids"][5] != 0
    dense = batch["labels"][2]
    assert torch.equal(dense[torch.as_tensor(raw["masked_lm_positions"][5][real], dtype=torch.long)],
                       torch.as_tensor(raw["masked_lm_ids"][5][real], dtype=torch.long))
    assert int((dense != -100).sum()) == int(real.sum())
    assert torch.equal(batch["input_ids"][0], torch.as_tensor(raw["input_ids"][0], dtype=torch.long))


def test_missing_dataset_key_is_named(tmp_path):
    path = tmp_path / "bad.hdf5"
    with h5py.File(path, "w") as handle:
        handle.create_dataset("input_ids", data=np.zeros((2, 4), np.int32))
    with pytest.raises(DataError, match="missing dataset 'input_mask'"):
        mlperf_bert.shard_length(path)


def test_empty_and_corrupt_shards_are_refused(tmp_path):
    empty = tmp_path / "empty.hdf5"
    with h5py.File(empty, "w") as handle:
        for key in mlperf_bert.KEYS:
            handle.create_dataset(key, data=np.zeros((0, 4), np.int32))
    with pytest.raises(DataError, match="empty"):
        mlperf_bert.shard_length(empty)
    corrupt = tmp_path / "corrupt.hdf5"
    corrupt.write_bytes(b"not an hdf5 file at all")
    with pytest.raises(DataError, match="cannot read as HDF5"):
        mlperf_bert.shard_length(corrupt)


def test_missing_folders_are_reported(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        mlperf_bert.list_shards(tmp_path / "nope", "training")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="holds no"):
        mlperf_bert.list_shards(tmp_path / "empty", "training")


def test_epoch_order_is_a_seeded_permutation_that_keeps_shards_together():
    order = epoch_order([3, 4, 2], seed=1, epoch=0)
    assert sorted(order.tolist()) == list(range(9))
    assert np.array_equal(order, epoch_order([3, 4, 2], seed=1, epoch=0))
    assert not np.array_equal(order, epoch_order([3, 4, 2], seed=1, epoch=1))
    shard_of = np.searchsorted([3, 7, 9], order, side="right")
    changes = np.count_nonzero(np.diff(shard_of))
    assert changes == 2  # each shard is visited in one run


def test_global_batches_are_identical_across_topologies():
    groups = [10, 7, 9]
    single = iter(GlobalBatchSampler(groups, 4, rank=0, world_size=1, seed=3))
    ranks = [iter(GlobalBatchSampler(groups, 2, rank=r, world_size=2, seed=3)) for r in range(2)]
    for _ in range(15):  # crosses an epoch boundary (26 // 4 = 6 steps per epoch)
        whole = next(single)
        split = next(ranks[0]) + next(ranks[1])
        assert whole == split


def test_autobuild_for_other_params_builds_beside_and_keeps_the_first_set(tmp_path):
    """Two configs share data_dir with different seq_len: the second's autobuild must not
    replace the data under the first (issue 21); it builds into data_dir.<key> instead."""
    from perfkit.benchmarks.bert_training import BertParams, BertTraining

    small = dict(num_layers=1, hidden_size=32, num_heads=2, intermediate_size=64, vocab_size=1000,
                 max_predictions_per_seq=8, data_dir=str(tmp_path / "bert"))
    first = BertTraining(BertParams(seq_len=64, data_autobuild=True, **small)).prepare_data()
    again = BertTraining(BertParams(seq_len=64, data_autobuild=True, **small)).prepare_data()
    assert again.content_hash == first.content_hash  # up to date: not rebuilt
    other = BertTraining(BertParams(seq_len=32, data_autobuild=True, **small))
    rebuilt = other.prepare_data()
    assert rebuilt.content_hash != first.content_hash
    assert Path(rebuilt.path).parent == tmp_path and Path(rebuilt.path).name.startswith("bert.seq32-v1000-")
    with h5py.File(next((Path(rebuilt.path) / "eval_set_uncompressed").glob("*.hdf5")), "r") as handle:
        assert handle["input_ids"].shape[1] == 32
    with h5py.File(next((tmp_path / "bert/eval_set_uncompressed").glob("*.hdf5")), "r") as handle:
        assert handle["input_ids"].shape[1] == 64  # the first config's data is untouched
    assert BertTraining(BertParams(seq_len=64, data_autobuild=True, **small)).prepare_data() == first
    assert BertTraining(BertParams(seq_len=32, data_autobuild=True, **small)).prepare_data() == rebuilt
    with pytest.raises(DataError, match="exceed seq_len=16"):  # without autobuild: a clear error
        BertTraining(BertParams(seq_len=16, **small)).prepare_data()


def test_the_data_hash_is_of_the_bytes_read_not_the_builders(tmp_path, monkeypatch):
    """Shards edited after the build: the identity hashes the edited bytes and says they are no
    longer the build; the digest cache (under PERFKIT_DATA) sees the change."""
    monkeypatch.setenv("PERFKIT_DATA", str(tmp_path / "cache"))
    root = tmp_path / "a"
    built = build_bert_dataset(root, TINY)
    before = identify(root)
    assert before.matches_build is True and cache_file(root).is_file()
    shard = sorted((root / TINY.train_dir).glob("*.hdf5"))[0]
    with h5py.File(shard, "a") as handle:
        ids = handle["input_ids"][:]
        ids[0, 1] = (ids[0, 1] + 1) % TINY.vocab_size
        handle["input_ids"][...] = ids
    after = identify(root)
    assert after.manifest_hash == built
    assert after.content_hash != before.content_hash
    assert after.matches_build is False
    assert after.to_dict()["hash"] == after.content_hash and after.to_dict()["matches_build"] is False


def test_a_hard_link_to_another_dataset_of_the_file_is_read(tmp_path):
    """A second name for a dataset of the same file is plain HDF5, not a link to elsewhere."""
    build_bert_dataset(tmp_path / "a", TINY)
    shard = sorted((tmp_path / "a" / TINY.train_dir).glob("*.hdf5"))[0]
    with h5py.File(shard, "a") as handle:
        handle["ids_copy"] = handle["input_ids"][:]
        del handle["input_ids"]
        handle["input_ids"] = handle["ids_copy"]  # a hard link
    assert mlperf_bert.read_shard(shard, TINY.vocab_size, TINY.seq_len)["input_ids"].shape[1] == TINY.seq_len


def test_compressed_chunked_shards_are_read(tmp_path):
    build_bert_dataset(tmp_path / "a", TINY)
    shard = sorted((tmp_path / "a" / TINY.train_dir).glob("*.hdf5"))[0]
    with h5py.File(shard, "a") as handle:
        for key in mlperf_bert.KEYS:
            values = handle[key][:]
            del handle[key]
            handle.create_dataset(key, data=values, chunks=True, compression="gzip", shuffle=True)
    assert len(mlperf_bert.read_shard(shard, TINY.vocab_size, TINY.seq_len)["input_ids"]) > 0


@pytest.mark.parametrize("damage", ["compact_declares_more", "contiguous_truncated", "zero_fill_gzip_bomb"])
def test_declared_sizes_beyond_the_file_are_refused(tmp_path, damage):
    build_bert_dataset(tmp_path / "a", TINY)
    shard = sorted((tmp_path / "a" / TINY.train_dir).glob("*.hdf5"))[0]
    with h5py.File(shard, "a") as handle:
        rows = handle["input_ids"].shape[0]
        if damage == "compact_declares_more":  # never written: reads as fill values
            del handle["next_sentence_labels"]
            handle.create_dataset("next_sentence_labels", shape=(rows,), dtype=np.int64)
        elif damage == "contiguous_truncated":
            pass
        else:  # 4 M rows of zeros, gzip'd: a few KB on disk that would inflate to GiBs
            for key in mlperf_bert.KEYS:
                shape = handle[key].shape
                del handle[key]
                column = handle.create_dataset(key, shape=(mlperf_bert.MAX_SHARD_ROWS + 1, *shape[1:]),
                                               dtype=np.int8, chunks=(1 << 16, *shape[1:]), compression="gzip")
                column[:1] = 0
    if damage == "contiguous_truncated":
        data = shard.read_bytes()
        shard.write_bytes(data[: len(data) // 2])
    with pytest.raises(DataError):
        mlperf_bert.shard_length(shard)


def test_the_digest_cache_is_one_file_per_dataset_and_keeps_the_latest(tmp_path, monkeypatch):
    """A run reads only its own dataset's digests (one cache file per dataset folder: a single
    file for all had grown to 20,000 entries after a test session, read by every run); the
    cache folder keeps the CACHE_FILES most recently written, and a file perfkit did not name
    there is never removed."""
    import json
    import os

    from perfkit.data import hashing

    monkeypatch.setenv("PERFKIT_DATA", str(tmp_path / "cache"))
    monkeypatch.setattr(hashing, "CACHE_FILES", 2)
    for name in ("first", "second", "third"):
        build_bert_dataset(tmp_path / name, TINY)
    (tmp_path / "cache" / hashing.CACHE_DIR).mkdir(parents=True)
    foreign = tmp_path / "cache" / hashing.CACHE_DIR / "notes.json"
    foreign.write_text("{}")
    for age, name in enumerate(("first", "second", "third")):
        identify(tmp_path / name)
        stamp = 1_000_000_000 + age  # written in this order, whatever the file system's clock resolution
        os.utime(cache_file(tmp_path / name), (stamp, stamp))
    identify(tmp_path / "third")  # nothing new: the cache is not written again
    names = set(json.loads(cache_file(tmp_path / "third").read_text()))
    assert names and all(f"{tmp_path / 'third'}/" in name for name in names)
    identify(tmp_path / "first")  # pruned: hashed again, written, and the oldest other goes
    assert cache_file(tmp_path / "first").is_file() and cache_file(tmp_path / "third").is_file()
    assert not cache_file(tmp_path / "second").exists()
    assert foreign.read_text() == "{}"


def test_a_dataset_cache_forgets_files_that_are_gone(tmp_path, monkeypatch):
    """A file deleted from a dataset leaves its cache the next time the cache is written."""
    import json

    monkeypatch.setenv("PERFKIT_DATA", str(tmp_path / "cache"))
    root = tmp_path / "set"
    build_bert_dataset(root, TINY)
    identify(root)
    shards = sorted((root / TINY.train_dir).glob("*.hdf5"))
    shards[0].unlink()
    (root / "notes.txt").write_text("a new file: hashed, so the cache is written again")
    identify(root)
    names = set(json.loads(cache_file(root).read_text()))
    assert str(shards[0].resolve()) not in names and str(shards[1].resolve()) in names