"""A fitted logistic regression moved toward newly coded units when the units it was trained on are not at
hand (the shipped model's training text is not shipped): the weights that fit the new units best under a
Gaussian prior centred on the fitted weights — maximum a posteriori adaptation (Chelba & Acero 2004,
"Adaptation of maximum entropy capitalizer: little data can help a lot").

It minimises C · Σ sᵢ · (cross-entropy of unit i) + ½ ‖θ − θ₀‖², the objective of scikit-learn's own
logistic regression with its penalty centred on θ₀ (weights and intercepts) instead of 0. With no coded unit
the weights stay θ₀; the more units code a label, the further its weights move. L-BFGS from θ₀ on one thread
gives the same weights for the same inputs."""

from __future__ import annotations

import numpy as np
from scipy import optimize, sparse
from scipy.special import logsumexp
from sklearn.linear_model import LogisticRegression


def adapted(prior: LogisticRegression, features: sparse.csr_matrix, y: np.ndarray, *, C: float,
            class_weight: str | None, max_iter: int) -> LogisticRegression:
    """A copy of ``prior`` whose weights are moved toward the coded units ``features`` (rows) labelled ``y``;
    ``class_weight``: 'balanced' weighs each label by the inverse of its frequency among ``y``."""
    classes = [str(label) for label in prior.classes_]
    start_coef, start_intercept = np.asarray(prior.coef_, dtype=float), np.asarray(prior.intercept_, dtype=float)
    if start_coef.shape[0] != len(classes):
        raise ValueError(f"adaptation needs one row of weights per label; the model has {start_coef.shape[0]} "
                         f"for {len(classes)} labels")
    n_labels, n_features = start_coef.shape
    features = sparse.csr_matrix(features, dtype=float)
    label_index = np.array([classes.index(str(label)) for label in y], dtype=int)
    truth = np.zeros((len(y), n_labels))
    truth[np.arange(len(y)), label_index] = 1.0
    unit_weight = C * _unit_weights(label_index, class_weight)[:, None]
    start = np.concatenate([start_coef.ravel(), start_intercept])

    def loss_and_gradient(theta: np.ndarray) -> tuple[float, np.ndarray]:
        coef, intercept = theta[:-n_labels].reshape(n_labels, n_features), theta[-n_labels:]
        scores = features @ coef.T + intercept
        log_norm = logsumexp(scores, axis=1, keepdims=True)
        moved = theta - start
        loss = -float((unit_weight * truth * (scores - log_norm)).sum()) + 0.5 * float(moved @ moved)
        residual = unit_weight * (np.exp(scores - log_norm) - truth)
        gradient = np.concatenate([np.asarray(features.T @ residual).T.ravel(), residual.sum(axis=0)]) + moved
        return loss, gradient

    found = optimize.minimize(loss_and_gradient, start, jac=True, method="L-BFGS-B", options={"maxiter": max_iter})
    model = LogisticRegression(C=C, class_weight=class_weight, max_iter=max_iter)
    model.coef_ = found.x[:-n_labels].reshape(n_labels, n_features)
    model.intercept_ = found.x[-n_labels:]
    model.classes_ = np.asarray(prior.classes_)
    return model


def _unit_weights(label_index: np.ndarray, class_weight: str | None) -> np.ndarray:
    """scikit-learn's class weights as one weight per unit: n / (labels present × units of its label)."""
    if class_weight is None:
        return np.ones(len(label_index))
    present, counts = np.unique(label_index, return_counts=True)
    per_label = dict(zip(present, len(label_index) / (len(present) * counts)))
    return np.array([per_label[i] for i in label_index])
