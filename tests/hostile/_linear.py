# The lesson's Linear, shared by the hostile submissions (each file is copied with this appended).
import numpy as np


class Linear:
    def __init__(self, in_features, out_features, bias=True):
        self.weight = (np.random.randn(out_features, in_features) * np.sqrt(2.0 / in_features)).astype(np.float32)
        self.bias = np.zeros(out_features, dtype=np.float32) if bias else None
        self.grad_weight = np.zeros_like(self.weight)
        self.grad_bias = np.zeros_like(self.bias) if bias else None

    def forward(self, x):
        self.x = x
        y = x @ self.weight.T
        return y + self.bias if self.bias is not None else y

    def backward(self, dY):
        self.grad_weight += dY.T @ self.x
        if self.bias is not None:
            self.grad_bias += dY.sum(axis=0)
        return dY @ self.weight
