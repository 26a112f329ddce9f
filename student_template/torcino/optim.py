"""SGD: plain stochastic gradient descent over model.parameters()."""


class SGD:
    """optimizer = SGD(model, lr=0.01): theta <- theta - lr * grad, in place. No momentum."""

    def __init__(self, model, lr=0.01):
        raise NotImplementedError("lesson 8, lab 'SGD optimizer': keep the model and lr")

    def zero_grad(self):
        """Set every gradient buffer of model.parameters() to zero, in place."""
        raise NotImplementedError("lesson 8, lab 'SGD optimizer': zero_grad() in place")

    def step(self):
        """Update every parameter in place: param -= lr * grad."""
        raise NotImplementedError("lesson 8, lab 'SGD optimizer': step() updates the parameters in place")
