"""A WordPiece vocabulary made deterministically from a corpus, and the tokenizer that uses it.

The ``tokenizers`` trainer breaks frequency ties differently from run to run, so the vocabulary
is chosen here instead: the special tokens, every character seen (alone and as a ``##`` suffix
piece), then the most frequent lower-cased words, ties broken alphabetically. Tokenization is
the standard BERT WordPiece algorithm from ``tokenizers`` over that vocabulary.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from tokenizers import BertWordPieceTokenizer
from tokenizers.normalizers import BertNormalizer
from tokenizers.pre_tokenizers import BertPreTokenizer

SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def build_vocab(texts: list[str], vocab_size: int) -> list[str]:
    normalizer = BertNormalizer(lowercase=True)
    pre = BertPreTokenizer()
    words: Counter[str] = Counter()
    for text in texts:
        for word, _ in pre.pre_tokenize_str(normalizer.normalize_str(text)):
            words[word] += 1
    chars = sorted({c for word in words for c in word})
    vocab = SPECIAL_TOKENS + chars + [f"##{c}" for c in chars]
    taken = set(vocab)
    for word, _ in sorted(words.items(), key=lambda item: (-item[1], item[0])):
        if len(vocab) >= vocab_size:
            break
        if word not in taken:
            vocab.append(word)
            taken.add(word)
    return vocab


def read_vocab(path: Path) -> list[str]:
    """The tokens of a vocabulary file, one per line (bounded, strict UTF-8, errors name the file)."""
    from perfkit.errors import DataError
    from perfkit.files.reading import VOCAB_LIMIT, read_text_bounded

    return read_text_bounded(path, VOCAB_LIMIT, DataError, f"vocabulary file {path}").rstrip("\n").split("\n")


def require_special_tokens(tokens: list[str], path: Path) -> None:
    from perfkit.errors import DataError

    missing = [t for t in SPECIAL_TOKENS if t not in tokens]
    if missing:
        raise DataError(f"vocabulary file {path} lacks the special token {missing[0]}")


def write_vocab(vocab: list[str], path: Path) -> None:
    path.write_text("".join(f"{token}\n" for token in vocab), encoding="utf-8")


def load_tokenizer(vocab_file: Path) -> BertWordPieceTokenizer:
    return BertWordPieceTokenizer(str(vocab_file), lowercase=True)
