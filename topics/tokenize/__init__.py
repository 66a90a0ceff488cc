"""Tokenizing: unit text → filtered tokens, ready for the vocabulary of every model.

For each text, in this order:

1. boilerplate slogans (``lexicons/slogans.txt`` plus the user's lists) are cut out as whole phrases,
   longest first, before segmentation — so their pieces (走在前作表率 → 前作 / 表率) cannot leak into topics;
2. the text is segmented by jieba (``segmenter="jieba"``) or its Rust port (``"jieba-rs"``, via rjieba),
   each with the policy-term user dictionary so terms such as 河湖长制 or 一老一小 stay whole, and with
   the theme lexicon's words when they are given (成果转化 rather than 成果 / 转化);
3. tokens are dropped that are whitespace, punctuation, numbers, shorter than ``min_chars``, general
   stopwords or policy fillers (加强, 推进 …), or — when ``pos_filter`` is set — of another part of speech;
4. optionally, frequent collocations are joined (gensim Phrases, learned from the texts tokenized).

What was removed is counted per text (``TokenizedText.slogan_hits`` and ``.removed``) and per token by
``Tokenizer.explain``. Results are cached on disk by content (see ``token_cache``), and large inputs can be
segmented by worker processes; the output is the same with any number of workers, cached or not.

The rooms: ``settings`` (what decides the tokens, checked in one place), ``segmenters`` (one name →
adapter table), ``filters`` (the chain run on each text), ``workers`` (the process pool), ``files``
(tokens.jsonl) and ``tokenizer`` (the cache and the public class).
"""

from .files import read_tokens, write_tokens
from .filters import REMOVAL_REASONS, TokenizedText, load_lexicons
from .segmenters import ADAPTERS, SEGMENTERS
from .settings import POS_TAGS, TokenizerSettings, settings_for_new_text
from .tokenizer import TOKENIZER_VERSION, Tokenizer
from .workers import PARALLEL_MIN_CHARS

__all__ = [
    "ADAPTERS", "PARALLEL_MIN_CHARS", "POS_TAGS", "REMOVAL_REASONS", "SEGMENTERS", "TOKENIZER_VERSION",
    "TokenizedText", "Tokenizer", "TokenizerSettings", "load_lexicons", "read_tokens", "settings_for_new_text",
    "write_tokens",
]
