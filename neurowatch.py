"""Watch your own PyTorch training loop in the NeuroWatch window.

    import neurowatch

    with neurowatch.watch(model, feature_names=[...], class_names=[...], sample=(X, y)) as w:
        for epoch in range(100):
            ...                     # your own batches, loss.backward(), optimizer.step()
            w.epoch(loss=loss, val_loss=val_loss)

The window opens in its own process and shows, each epoch, the model's Linear weights and biases,
the gradients your backward passes left (their mean over the epoch's batches), the updates and the
losses. While the window is paused (it opens paused), `w.epoch()` waits: Right lets one epoch
through, Space plays. Closing the window never stops or blocks your script.

The window talks to your loop with the protocol it uses for its own training engine and for a remote
one (core/engine_link.py, core/watched_loop.py): an authenticated connection on 127.0.0.1 with a
random key. `listen="HOST:PORT", key_file=FILE, window=False` serves it instead to a window opened
elsewhere with `python main.py --engine HOST:PORT --key-file FILE` (e.g. through an SSH tunnel).
"""

from __future__ import annotations

__all__ = ["Watch", "watch"]


class Watch:
    """A watched model: call `epoch(loss=..., val_loss=...)` once per epoch; `close()` (or leave the
    `with` block) at the end."""

    def __init__(self, loop):
        self._loop = loop

    @property
    def address(self) -> str:
        """Where the window connects (127.0.0.1:PORT)."""
        return self._loop.address

    @property
    def connected(self) -> bool:
        """True while a window is connected (False before it opens and after it closes)."""
        return self._loop.connected

    def epoch(self, loss=None, val_loss=None, accuracy=None, val_accuracy=None):
        """The epoch that just ended: sends the model's numbers; waits while the window is paused.
        Numbers or 0-d tensors; accuracy defaults to the model's on the sample (if one was given)."""
        self._loop.epoch(loss=loss, val_loss=val_loss, accuracy=accuracy, val_accuracy=val_accuracy)

    def close(self):
        """Stop streaming; the window stays open for a look and the script never waits for it."""
        self._loop.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def watch(model, feature_names=None, class_names=None, sample=None, *, listen=None, key_file=None,
          window=True) -> Watch:
    """Open the NeuroWatch window on `model`, a chain of nn.Linear layers with ReLU, Tanh or Sigmoid
    between them (an nn.Sequential, or a module whose layers are registered in that order).

    feature_names, class_names: the model's inputs and outputs (default x1.., class 1..).
    sample: a batch (X, y) or X of raw inputs for the forward-pass views and the accuracy.
    A model the window cannot draw raises ValueError naming the first layer it cannot."""
    from core.errors import UserError
    from core.watched_loop import WatchedLoop

    try:
        return Watch(WatchedLoop(model, feature_names, class_names, sample, listen=listen,
                                 key_file=key_file, window=window))
    except UserError as e:
        raise ValueError(str(e)) from None
