"""The LeNet item: the lesson's LeNet trained on MNIST with a submission's own classes.

trainer.py is the network and its training protocol (it imports only numpy: it is copied into the
sandbox worker, see grader/sandbox/process.py WORKER_FILES); run.py is the item's run, driven from
the trusted side; budget.py its time budget; evaluation.py what keeps it from being memorised;
side_evaluation.py a slow public-mode run's checkpoints evaluated in a second worker;
messages.py what it says when it stops early; data.py the MNIST images (grader/data/mnist_5k.npz).
"""
