"""A linear text classifier over word and character n-grams (plus optional sentence
embeddings), stored as plain arrays so a trained model ships as one ``.npz`` file.

Two weightings, each the best measured for its data (BENCHMARKS.md, "Sentiment (real data)"):

- ``tfidf``: sublinear-tf TF-IDF, L2-normalised per block (English tweets, with MiniLM);
- ``nb``: binary n-grams scaled by their naive-Bayes log-count ratio, i.e. NB-LR (Wang &
  Manning 2012), for two classes only (Chinese reviews).

Fitting uses scikit-learn's vectorizers and logistic regression; predicting looks the
n-grams up in the stored vocabulary itself (no sklearn validation on the parse path, no
pickle in the shipped file). Follows the scikit-learn contract: ``__init__`` stores
hyper-parameters, ``fit`` returns self, learned state ends in ``_``.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
from sklearn.exceptions import NotFittedError

URL = re.compile(r"https?://\S+|www\.\S+")
SPACE = re.compile(r"\s+")
WORD_PATTERN = r"[\w']+|[^\w\s]"
WEIGHTINGS = ("tfidf", "nb")


def normalise(text: str) -> str:
    """Lower-cased text with links replaced by one placeholder."""
    return SPACE.sub(" ", URL.sub(" http ", text)).strip().lower()


def _no_grams(text: str) -> list[str]:
    return []


def jieba_words(text: str) -> str:
    """Chinese text split into words by jieba, joined by spaces (module level: pickles)."""
    import jieba

    return " ".join(w for w in jieba.lcut(text) if w.strip())


class NgramLinearModel:
    """Multinomial logistic regression on word + char n-grams and an optional dense block."""

    def __init__(self, classes: tuple[str, ...], weighting: str = "tfidf",
                 word_ngrams: tuple[int, int] | None = (1, 2),
                 char_ngrams: tuple[int, int] = (2, 5),
                 char_analyzer: str = "char_wb", segment: str | None = None,
                 min_df: int = 2, C: float = 1.0, dense_weight: float = 1.0,
                 class_weight: str | None = "balanced") -> None:
        if weighting not in WEIGHTINGS:
            raise ValueError(f"weighting must be one of {WEIGHTINGS}, not {weighting!r}")
        self.classes = tuple(classes)
        self.weighting = weighting
        self.word_ngrams = tuple(word_ngrams) if word_ngrams else None
        self.char_ngrams = tuple(char_ngrams)
        self.char_analyzer = char_analyzer
        self.segment = segment
        self.min_df = min_df
        self.C = C
        self.dense_weight = dense_weight
        self.class_weight = class_weight

    # --- analysers shared by fit and predict ------------------------------------------
    def _vectorizers(self):
        from sklearn.feature_extraction.text import CountVectorizer

        word = None if self.word_ngrams is None else CountVectorizer(
            ngram_range=self.word_ngrams, min_df=self.min_df,
            token_pattern=r"\S+" if self.segment else WORD_PATTERN, lowercase=False,
            preprocessor=self._word_text)
        char = CountVectorizer(analyzer=self.char_analyzer, ngram_range=self.char_ngrams,
                               min_df=self.min_df, lowercase=False, preprocessor=normalise)
        return word, char

    def _word_text(self, text: str) -> str:
        text = normalise(text)
        return jieba_words(text) if self.segment == "jieba" else text

    def _grams(self, text: str) -> tuple[list[str], list[str]]:
        if not hasattr(self, "_analyzers"):
            word, char = self._vectorizers()
            self._analyzers = (word.build_analyzer() if word else _no_grams,
                               char.build_analyzer())
        return self._analyzers[0](text), self._analyzers[1](text)

    # --- fitting ----------------------------------------------------------------------
    def fit(self, texts: list[str], labels: list[str],
            dense: np.ndarray | None = None) -> NgramLinearModel:
        """Learn vocabularies, feature scales and the linear model."""
        import scipy.sparse as sp
        from sklearn.linear_model import LogisticRegression

        y = np.array([self.classes.index(label) for label in labels])
        if self.weighting == "nb" and len(self.classes) != 2:
            raise ValueError("nb weighting needs exactly two classes")
        word, char = self._vectorizers()
        blocks = [word.fit_transform(texts) if word else sp.csr_matrix((len(texts), 0)),
                  char.fit_transform(texts)]
        self.vocab_ = [word.vocabulary_ if word else {}, char.vocabulary_]
        self.scale_ = [self._fit_scale(b, y) for b in blocks]
        features = [self._weigh(b, s) for b, s in zip(blocks, self.scale_, strict=True)]
        self.dense_dim_ = 0 if dense is None else int(dense.shape[1])
        if dense is not None:
            features.append(sp.csr_matrix(np.asarray(dense, dtype=np.float32)
                                          * self.dense_weight))
        model = LogisticRegression(C=self.C, max_iter=3000, class_weight=self.class_weight)
        model.fit(sp.hstack(features, format="csr"), y)
        coef, intercept = model.coef_, model.intercept_
        if coef.shape[0] == 1:  # binary: one row of weights for the second class
            coef, intercept = np.vstack([-coef[0] / 2, coef[0] / 2]), np.array(
                [-intercept[0] / 2, intercept[0] / 2])
        self.coef_ = np.ascontiguousarray(coef.T, dtype=np.float32)
        self.intercept_ = intercept.astype(np.float32)
        return self

    def _fit_scale(self, counts, y: np.ndarray) -> np.ndarray:
        present = (counts > 0).astype(np.float32)
        if self.weighting == "nb":
            p = 1.0 + np.asarray(present[y == 1].sum(0)).ravel()
            q = 1.0 + np.asarray(present[y == 0].sum(0)).ravel()
            return np.log((p / p.sum()) / (q / q.sum())).astype(np.float32)
        df = np.asarray(present.sum(0)).ravel()
        n = counts.shape[0]
        return (np.log((1 + n) / (1 + df)) + 1).astype(np.float32)

    def _weigh(self, counts, scale: np.ndarray):
        import scipy.sparse as sp
        from sklearn.preprocessing import normalize

        counts = counts.tocsr().astype(np.float32)
        if self.weighting == "nb":
            counts.data[:] = 1.0
            return counts @ sp.diags(scale)
        counts.data = 1.0 + np.log(counts.data)
        return normalize(counts @ sp.diags(scale))

    # --- predicting -------------------------------------------------------------------
    def grams(self, texts: list[str]) -> list[tuple[list[str], list[str]]]:
        """Word and char n-grams of each text (models with the same analysers can share)."""
        return [self._grams(text) for text in texts]

    def same_analysers(self, other: NgramLinearModel) -> bool:
        """Whether ``other`` cuts texts into the same n-grams."""
        keys = ("word_ngrams", "char_ngrams", "char_analyzer", "segment")
        return all(getattr(self, k) == getattr(other, k) for k in keys)

    def decision(self, texts: list[str], dense: np.ndarray | None = None,
                 grams: list[tuple[list[str], list[str]]] | None = None) -> np.ndarray:
        """Linear scores, shape ``(len(texts), len(classes))``."""
        if not hasattr(self, "coef_"):
            raise NotFittedError("NgramLinearModel is not fitted")
        out = np.tile(self.intercept_, (len(texts), 1))
        offset = [0, len(self.vocab_[0])]
        for row, text_grams in enumerate(grams or self.grams(texts)):
            for block, grams_ in enumerate(text_grams):
                cols, vals = self._row(block, grams_)
                if cols:
                    out[row] += np.asarray(vals, np.float32) @ self.coef_[
                        np.asarray(cols) + offset[block]]
        if self.dense_dim_ and dense is not None:
            start = offset[1] + len(self.vocab_[1])
            out += (np.asarray(dense, np.float32) * self.dense_weight) @ self.coef_[start:]
        return out

    def _row(self, block: int, grams: list[str]) -> tuple[list[int], list[float]]:
        vocab, scale = self.vocab_[block], self.scale_[block]
        counts: dict[int, int] = {}
        for gram in grams:
            col = vocab.get(gram)
            if col is not None:
                counts[col] = counts.get(col, 0) + 1
        cols = sorted(counts)
        if self.weighting == "nb":
            return cols, [float(scale[c]) for c in cols]
        vals = [(1.0 + math.log(counts[c])) * float(scale[c]) for c in cols]
        norm = math.sqrt(sum(v * v for v in vals)) or 1.0
        return cols, [v / norm for v in vals]

    # --- storage: plain arrays, no pickle ------------------------------------------------
    PARAMS = ("weighting", "word_ngrams", "char_ngrams", "char_analyzer", "segment",
              "min_df", "C", "dense_weight", "class_weight")

    def to_arrays(self, prefix: str) -> dict[str, np.ndarray]:
        """The fitted model as named arrays (for ``np.savez_compressed``)."""
        if not hasattr(self, "coef_"):
            raise NotFittedError("NgramLinearModel is not fitted")
        import json

        params = {k: getattr(self, k) for k in self.PARAMS}
        params.update(classes=list(self.classes), dense_dim=self.dense_dim_)
        arrays = {"params": np.frombuffer(json.dumps(params).encode(), np.uint8),
                  "coef": self.coef_.astype(np.float16), "intercept": self.intercept_}
        for block, vocab in enumerate(self.vocab_):
            grams = sorted(vocab, key=vocab.get)
            arrays[f"vocab{block}"] = np.frombuffer("\n".join(grams).encode(), np.uint8)
            arrays[f"scale{block}"] = self.scale_[block].astype(np.float16)
        return {f"{prefix}.{k}": v for k, v in arrays.items()}

    @classmethod
    def from_arrays(cls, arrays, prefix: str) -> NgramLinearModel:
        """Rebuild a model saved by ``to_arrays``."""
        import json

        params = json.loads(bytes(arrays[f"{prefix}.params"]).decode())
        classes, dense_dim = tuple(params.pop("classes")), params.pop("dense_dim")
        model = cls(classes, **params)
        model.dense_dim_ = dense_dim
        model.coef_ = arrays[f"{prefix}.coef"].astype(np.float32)
        model.intercept_ = arrays[f"{prefix}.intercept"].astype(np.float32)
        model.vocab_, model.scale_ = [], []
        for block in range(2):
            grams = bytes(arrays[f"{prefix}.vocab{block}"]).decode().split("\n")
            model.vocab_.append({g: i for i, g in enumerate(grams)} if grams != [""] else {})
            model.scale_.append(arrays[f"{prefix}.scale{block}"].astype(np.float32))
        return model

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state.pop("_analyzers", None)  # closures; rebuilt on first use
        return state


def save_models(models: dict[str, NgramLinearModel], path: str | Path) -> Path:
    """Write several named models into one compressed ``.npz`` file."""
    arrays: dict[str, np.ndarray] = {}
    for name, model in models.items():
        arrays.update(model.to_arrays(name))
    path = Path(path)
    np.savez_compressed(path, **arrays)
    return path


def load_models(path: str | Path) -> dict[str, NgramLinearModel]:
    """Models saved by ``save_models``, by name."""
    with np.load(Path(path), allow_pickle=False) as arrays:
        names = sorted({key.split(".")[0] for key in arrays.files})
        return {name: NgramLinearModel.from_arrays(arrays, name) for name in names}
