"""SGD: plain stochastic gradient descent over model.parameters()."""

from typing import Any


class SGD:
    """optimizer = SGD(model, lr=0.01): theta <- theta - lr * grad, in place. No momentum."""

    def __init__(self, model: Any, lr: float = 0.01) -> None:
        raise NotImplementedError("lesson 8, lab 'SGD optimizer': keep the model and lr")

    def zero_grad(self) -> None:
        """Set every gradient buffer of model.parameters() to zero, in place."""
        raise NotImplementedError("lesson 8, lab 'SGD optimizer': zero_grad() in place")

    def step(self) -> None:
        """Update every parameter in place: param -= lr * grad."""
        raise NotImplementedError("lesson 8, lab 'SGD optimizer': step() updates the parameters in place")
