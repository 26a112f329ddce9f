"""A cheating LeNet, appended to an otherwise correct single-file submission: SGD.step does
nothing, and the model's forward looks each image's label up in a table of every image of the
bundled MNIST subset (mnist_5k.npz, copied next to this file, as a student could take it from the
grader's wheel), preprocessed the way the grader's lenet.preprocess does. Where the model's logits
are trusted it scores an accuracy of 1.0 without learning anything; the tests expect it to fail
the LeNet in instructor mode."""

import hashlib as _hashlib
import pathlib as _pathlib

import numpy as _np

_KIT = _np.load(_pathlib.Path(__file__).with_name("mnist_5k.npz"))


def _key(image):
    return _hashlib.sha256(_np.round(_np.asarray(image, _np.float32).ravel(), 3).tobytes()).hexdigest()


def _table():
    train = _KIT["x_train"].reshape(-1, 784).astype(_np.float32) / 255.0
    mean, std = train.mean(), train.std()
    table = {}
    for images, labels in ((_KIT["x_train"], _KIT["y_train"]), (_KIT["x_test"], _KIT["y_test"])):
        for image, label in zip(
            (images.reshape(-1, 784).astype(_np.float32) / 255.0 - mean) / std, labels, strict=True
        ):
            table[_key(image)] = int(label)
    return table


_LABELS = _table()


class SGD(SGD):  # noqa: F821 - the correct SGD defined above in the submission
    def step(self):
        pass


class Sequential(Sequential):  # noqa: F821
    def forward(self, x):
        logits = _np.zeros((len(x), 10), _np.float32)
        for row, image in enumerate(_np.asarray(x)):
            logits[row, _LABELS.get(_key(image), 0)] = 10.0
        return logits

    def __call__(self, x):
        return self.forward(x)

    def backward(self, dY):
        return dY
