"""Recommender models on tiny hand-made purchase matrices with known answers."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from crm_core.errors import InvalidInput
from recommend.models import NotFittedError, create, registered_names
from recommend.models.ease import EASE
from recommend.models.itemknn import ItemKNN
from recommend.models.popularity import Popularity

# 4 customers x 4 products
X4 = sp.csr_matrix(np.array([
    [1, 1, 0, 0],
    [1, 1, 1, 0],
    [0, 1, 1, 1],
    [0, 0, 1, 1],
], dtype=np.float32))


def test_ease_two_products_by_hand() -> None:
    # G = [[2, 1], [1, 2]], l2 = 1: B[0, 1] = co / (count + l2) = 1 / 3 (ridge of one on other)
    X = sp.csr_matrix(np.array([[1, 1], [1, 0], [0, 1]], dtype=np.float32))
    B = EASE(l2=1.0).fit(X).B_
    np.testing.assert_allclose(B, [[0.0, 1 / 3], [1 / 3, 0.0]], atol=1e-6)


def test_ease_closed_form_equals_columnwise_ridge_on_4x4() -> None:
    lam = 1.0
    model = EASE(l2=lam).fit(X4)
    dense = X4.toarray().astype(np.float64)
    for j in range(4):
        others = [i for i in range(4) if i != j]
        A = dense[:, others]
        expected = np.linalg.solve(A.T @ A + lam * np.eye(3), A.T @ dense[:, j])
        np.testing.assert_allclose(model.B_[others, j], expected, atol=1e-5)
        assert model.B_[j, j] == 0.0
    # Customer 0 bought products 0 and 1: product 2 (bought with 1 by two others) beats 3.
    scores = model.score(X4[0])[0]
    assert scores[2] > scores[3]


def test_ease_max_items_models_only_the_most_bought() -> None:
    model = EASE(l2=1.0, max_items=2).fit(X4)
    counts = np.asarray(X4.sum(axis=0)).ravel()          # [2, 3, 3, 2]
    assert list(model.active_) == [1, 2]
    assert counts[model.active_].min() >= counts.max() - 1
    scores = model.score(X4[0])[0]
    assert scores[0] == 0.0 and scores[3] == 0.0          # unmodelled products score 0
    dense = EASE(l2=1.0, prune_top_k=1).fit(X4)
    assert sp.issparse(dense.B_) and dense.B_.getnnz(axis=1).max() == 1


def test_itemknn_cosine_neighbours_by_hand() -> None:
    # A bought by 3, B by 2 (both with A), C by 1 (with A).
    X = sp.csr_matrix(np.array([[1, 1, 0], [1, 1, 0], [1, 0, 1]], dtype=np.float32))
    S = ItemKNN(neighbours=1).fit(X).S_.toarray()
    expected = np.zeros((3, 3))
    expected[1, 0] = 2 / np.sqrt(3 * 2)   # A's nearest is B
    expected[0, 1] = 2 / np.sqrt(3 * 2)   # B's nearest is A
    expected[0, 2] = 1 / np.sqrt(3 * 1)   # C's nearest is A
    np.testing.assert_allclose(S, expected, atol=1e-6)
    full = ItemKNN(neighbours=5).fit(X).S_.toarray()
    assert full[2, 1] == 0.0              # B and C share no customer


def test_popularity_order_and_groups() -> None:
    X = sp.csr_matrix(np.array([
        [1, 0, 0], [1, 1, 0], [1, 1, 0], [0, 0, 1], [0, 0, 1],
    ], dtype=np.float32))
    groups = np.array(["UK", "UK", "UK", "FR", "FR"])
    model = Popularity(prior=0.1, min_group=2).fit(X, groups=groups)
    assert list(np.argsort(-model.score(X[:1])[0], kind="stable")) == [0, 1, 2]
    assert int(np.argmax(model.group_scores("FR"))) == 2
    assert model.knows_group("UK") and not model.knows_group("DE")
    np.testing.assert_allclose(model.group_scores("DE"), [0.6, 0.4, 0.4], atol=1e-6)


@pytest.mark.parametrize("name", registered_names())
def test_scikit_learn_contract(name: str) -> None:
    model = create(name)
    assert not any(k.endswith("_") for k in vars(model))   # __init__ stores params only
    with pytest.raises(NotFittedError):
        model.score(X4[:1])
    assert model.fit(X4) is model
    assert model.score(X4).shape == (4, 4)
    assert set(model.get_params()) == set(create(name).get_params())
    with pytest.raises(ValueError):
        model.set_params(no_such_param=1)


def test_registry_rejects_unknown_names() -> None:
    assert registered_names()[0] == "kefu.ease.v1"
    with pytest.raises(InvalidInput) as err:
        create("kefu.ease.v9")
    assert "kefu.itemknn.v1" in err.value.details["known"]


def test_popularity_with_country_and_segment_labels() -> None:
    X = sp.csr_matrix(np.array([[1, 0], [1, 0], [0, 1], [0, 1], [0, 1]], dtype=np.float32))
    groups = np.array([["UK", "segment:vip"], ["UK", "segment:vip"], ["FR", ""],
                       ["FR", "segment:standard"], ["FR", "segment:standard"]], dtype=object)
    model = Popularity(min_group=2).fit(X, groups=groups)
    assert set(model.group_names_) == {"UK", "FR", "segment:vip", "segment:standard"}
    assert int(np.argmax(model.group_scores("segment:vip"))) == 0
    assert int(np.argmax(model.group_scores("segment:standard"))) == 1
