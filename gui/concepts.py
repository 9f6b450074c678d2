"""Plain-language explanations of every number on screen, filled with the live values."""

from __future__ import annotations


def concepts_html(snap=None, config=None) -> str:
    lr = f"{config.learning_rate:g}" if config is not None else "–"
    opt = config.optimizer if config is not None else "–"
    bs = config.batch_size if config is not None else "–"
    epoch = snap.epoch if snap is not None else 0
    loss = f"{snap.train_loss:.4f}" if snap is not None else "–"
    rows = [
        ("input x", "one observation's features (e.g. bill length), standardised to mean 0 and "
                    "standard deviation 1 using the training rows."),
        ("weight w", "the number a connection multiplies its input by. Lines: blue = positive, "
                     "orange = negative, wider = larger |w|."),
        ("bias b", "a number each neuron adds to its weighted sum; it is the neuron's fill colour."),
        ("weighted sum z", "z = w·x + b: each neuron's inputs times their weights, plus its bias."),
        ("activation a", "a = f(z), e.g. ReLU max(0, z): the neuron's output, passed to the next "
                         "layer."),
        ("softmax", "turns the output layer's sums into probabilities that add up to 1."),
        ("one-hot label", "the true class as a vector, e.g. [1, 0, 0] for the first class."),
        ("loss L", f"how wrong the probabilities are: cross-entropy −log p(true class), or the mean "
                   f"squared error against the one-hot label. Now: {loss} (epoch {epoch})."),
        ("gradient dL/dw", "how much the loss changes when w grows a little. Its sign says which way "
                           "w should move: negative → increase w, positive → decrease it."),
        ("backpropagation", "computes every dL/dw from the output layer back to the input, layer by "
                            "layer (the backward sweep in gradient mode)."),
        ("learning rate", f"how big a step the optimizer takes along −dL/dw. Now: {lr}."),
        ("optimizer", f"the update rule. SGD: w ← w − lr·dL/dw. Adam and Adadelta adapt the step per "
                      f"weight. Now: {opt}."),
        ("mini-batch", f"the rows averaged into one gradient step. Now: {bs} rows."),
        ("epoch", "one pass over every training row; the views update once per epoch."),
    ]
    body = "".join(f"<tr><td style='padding:2px 8px'><b>{k}</b></td><td>{v}</td></tr>" for k, v in rows)
    return f"<table>{body}</table>"
