"""SGD: plain stochastic gradient descent over model.parameters()."""

from typing import Any


class SGD:
    """optimizer = SGD(model, lr=0.01): theta <- theta - lr * grad, in place. No momentum."""

    def __init__(self, model: Any, lr: float = 0.01) -> None:
        # BEGIN SOLUTION: lesson 8, lab 'SGD optimizer': keep the model and lr
        self.model = model
        self.lr = lr
        # END SOLUTION

    def zero_grad(self) -> None:
        """Set every gradient buffer of model.parameters() to zero, in place."""
        # BEGIN SOLUTION: lesson 8, lab 'SGD optimizer': zero_grad() in place
        for _, grad in self.model.parameters():
            grad[...] = 0
        # END SOLUTION

    def step(self) -> None:
        """Update every parameter in place: param -= lr * grad."""
        # BEGIN SOLUTION: lesson 8, lab 'SGD optimizer': step() updates the parameters in place
        for param, grad in self.model.parameters():
            param -= self.lr * grad
        # END SOLUTION
