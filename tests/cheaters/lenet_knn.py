"""A cheating LeNet, appended to an otherwise correct single-file submission: SGD.step does
nothing; the loss remembers every training image it is shown with its label (whatever the labels
are called), and the model's forward answers with the label of the nearest remembered image (a
1-nearest-neighbour classifier, about 0.9 on MNIST). Where the model's logits are trusted it passes
without the layers learning anything; the tests expect it to fail the LeNet in instructor mode."""

import numpy as _np

_MEMORY = {"images": [], "labels": [], "last_input": None}


class SGD(SGD):  # noqa: F821 - the correct SGD defined above in the submission
    def step(self):
        pass


class Sequential(Sequential):  # noqa: F821
    def __init__(self, *layers):
        super().__init__(*layers)
        _MEMORY.update(images=[], labels=[])  # a new model (a new attempt): a new memory

    def forward(self, x):
        x = _np.asarray(x, _np.float32).reshape(len(x), -1)
        _MEMORY["last_input"] = x
        logits = _np.zeros((len(x), 10), _np.float32)
        if _MEMORY["images"]:
            images, labels = _np.concatenate(_MEMORY["images"]), _np.concatenate(_MEMORY["labels"])
            distances = (x * x).sum(1)[:, None] - 2 * x @ images.T + (images * images).sum(1)[None, :]
            logits[_np.arange(len(x)), labels[distances.argmin(axis=1)]] = 10.0
        return logits

    def __call__(self, x):
        return self.forward(x)

    def backward(self, dY):
        return dY


class SoftmaxCrossEntropyLoss(SoftmaxCrossEntropyLoss):  # noqa: F821
    def forward(self, logits, y):
        _MEMORY["images"].append(_MEMORY["last_input"])
        _MEMORY["labels"].append(_np.asarray(y).astype(int))
        return super().forward(logits, y)

    def __call__(self, logits, y):
        return self.forward(logits, y)
