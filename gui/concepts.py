"""Plain-language explanations of every number on screen, filled with the live values."""

from __future__ import annotations


def _rate(config, key: str) -> str:
    v = getattr(config, key, 0) if config is not None else 0
    return f"{v:g}" if v else "off"


def _init(config) -> str:
    if config is None:
        return "–"
    init, scale = getattr(config, "init", "default"), getattr(config, "init_scale", 1.0)
    return init + ("" if scale == 1 else f" × {scale:g}")


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
                   f"squared error against the one-hot label. Now: {loss} (epoch {epoch}). The "
                   f"training loss shown is the mean over the epoch's mini-batches as the weights "
                   f"moved; the validation loss uses the weights at the epoch's end."),
        ("gradient dL/dw", "how much the loss changes when w grows a little. Its sign says which way "
                           "w should move: negative → increase w, positive → decrease it."),
        ("backpropagation", "computes every dL/dw from the output layer back to the input, layer by "
                            "layer (the backward sweep in gradient mode)."),
        ("learning rate", f"how big a step the optimizer takes along −dL/dw. Now: {lr}."),
        ("optimizer", f"the update rule. SGD: w ← w − lr·dL/dw. Adam and Adadelta adapt the step per "
                      f"weight. Now: {opt}."),
        ("mini-batch", f"the rows averaged into one gradient step. Now: {bs} rows."),
        ("epoch", "one pass over every training row; the views update once per epoch."),
        ("validation rows", "rows held out of training (30 % by default, every class in its "
                            "share): the network's loss and accuracy on them say how it does on "
                            "data it has not seen."),
        ("accuracy", "the share of rows whose most probable class is the true one."),
        ("confusion matrix", "rows = true class, columns = predicted class: each cell counts the "
                             "rows of that true class the network put in that class; the diagonal "
                             "is right, everything else wrong (Confusion matrix dock)."),
        ("precision", "of the rows predicted as a class, the share that truly are (a column's "
                      "diagonal cell ÷ the column's sum)."),
        ("recall", "of the rows truly of a class, the share predicted as it (a row's diagonal "
                   "cell ÷ the row's sum)."),
        ("F1", "2·precision·recall / (precision + recall): high only when both are."),
        ("support", "how many rows truly are of the class."),
        ("overfitting", "the training loss keeps falling while the validation loss rises: the "
                        "network is learning the training rows' noise, not the problem. The cures "
                        "below (Training dock, 'Against overfitting') each fight it."),
        ("L2 penalty", f"adds rate·Σw² to the loss, so every step also pulls each weight towards 0 "
                       f"(weight decay). Now: {_rate(config, 'l2')}."),
        ("L1 penalty", f"adds rate·Σ|w|: each step moves every weight towards 0 by the same amount, "
                       f"so many end at exactly 0. Now: {_rate(config, 'l1')}."),
        ("dropout", f"in each training pass a share of every hidden layer's neurons is switched off at "
                    f"random, so no neuron can lean on another; evaluation uses them all. Now: "
                    f"{_rate(config, 'dropout')}."),
        ("early stopping", "pause when the validation loss has not reached a new low for a number of "
                           "epochs (the patience), and go back to the epoch of its lowest value."),
        ("regression", "predicting a number (a penguin's body mass) instead of a class: one output "
                       "neuron with no activation (identity), trained against the label "
                       "standardised with the training rows' mean and standard deviation, and "
                       "turned back into the label's units for every figure and prediction. Its "
                       "loss is the mean squared error (or the absolute error, or Huber)."),
        ("RMSE, MAE", "root mean squared error and mean absolute error of the predictions, in the "
                      "label's units (grams, say): how far off a typical prediction is."),
        ("R²", "1 − (sum of squared errors) ÷ (sum of squared deviations from the mean): 1 is a "
               "perfect predictor, 0 is no better than always predicting the mean, below 0 worse."),
        ("initial weights", f"the random numbers a new network starts from (Training dock, 'Initial "
                            f"weights'; applied on Reset). They must differ: with <b>zeros</b> every "
                            f"neuron of a layer computes the same thing, so it gets the same gradient "
                            f"and the same update, and stays the same as its neighbours for ever: a "
                            f"layer of many neurons works like one (with ReLU or tanh even that one "
                            f"never moves, and only the output biases learn). Xavier and He choose "
                            f"the spread that keeps the signal's size from layer to layer. Now: "
                            f"{_init(config)}."),
    ]
    body = "".join(f"<tr><td style='padding:2px 8px'><b>{k}</b></td><td>{v}</td></tr>" for k, v in rows)
    return f"<table>{body}</table>"
