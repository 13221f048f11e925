# ── cnn: a small convolutional network (python3-torch on the CPU) for tasks whose features are one grey-scale image ──
# The features' first side*side columns are the pixels, row by row (TaskInfo.image); any later columns (engineered
# features) are ignored. Deterministic like every job: seeded, a fixed thread count, deterministic algorithms, and a
# seeded generator for the batch order and the shifts. torch is imported when a network is first fitted, so a job
# without one never loads it.
# gome:stub-begin (names defined by the constants block and earlier sections; the assembler strips this block)
from _gome_job import np
# gome:stub-end


class SmallCNN:
    """Three 3x3 convolution blocks (width, width, 2*width channels; batch norm, ReLU, two 2x2 poolings), dropout and
    two dense layers, trained with AdamW under a one-cycle learning-rate schedule on batches shifted by up to shift
    pixels (augmentation that keeps an image's meaning: no flips). A classifier (predict_proba over the classes it was
    fitted on, in classes_) or, with is_reg, a regressor on the standardised target. class_weight "balanced" weights
    each row's loss by n / (classes x its class's rows), as sklearn does; sample_weight, if given, replaces that."""

    def __init__(self, side, width=16, epochs=12, lr=0.003, weight_decay=1e-4, batch=128, shift=2, seed=0, n_jobs=1,
                 is_reg=False, class_weight=None):
        self.side, self.width, self.epochs, self.lr, self.weight_decay = int(side), int(width), int(epochs), float(lr), float(weight_decay)
        self.batch, self.shift, self.seed, self.n_jobs, self.is_reg = int(batch), int(shift), int(seed), int(n_jobs), bool(is_reg)
        self.class_weight = class_weight

    def get_params(self, deep=True):
        return {k: getattr(self, k) for k in ("side", "width", "epochs", "lr", "weight_decay", "batch", "shift", "seed",
                                              "n_jobs", "is_reg", "class_weight")}

    def set_params(self, **kw):
        for k, v in kw.items():
            setattr(self, k, v)
        return self

    def _net(self, out):
        import torch.nn as nn
        w, s = self.width, self.side

        def block(i, o):
            return [nn.Conv2d(i, o, 3, padding=1, bias=False), nn.BatchNorm2d(o), nn.ReLU()]
        return nn.Sequential(*block(1, w), *block(w, w), nn.MaxPool2d(2), *block(w, 2 * w), nn.MaxPool2d(2),
                             nn.Flatten(), nn.Dropout(0.25), nn.Linear(2 * w * (s // 4) ** 2, 128), nn.ReLU(),
                             nn.Dropout(0.25), nn.Linear(128, out))

    def _images(self, X):
        import torch
        s = self.side
        x = np.nan_to_num(np.asarray(X[:, :s * s], dtype=np.float32))
        return torch.from_numpy(((x - self.mean_) / self.std_).reshape(-1, 1, s, s))

    def _shifted(self, xb, gen):
        import torch
        if self.shift <= 0:
            return xb
        dx, dy = (int(v) for v in torch.randint(-self.shift, self.shift + 1, (2,), generator=gen))
        return torch.roll(xb, shifts=(dy, dx), dims=(2, 3))

    def fit(self, X, y, sample_weight=None):
        import torch
        import torch.nn.functional as F
        torch.manual_seed(self.seed)
        torch.set_num_threads(max(1, self.n_jobs))
        torch.use_deterministic_algorithms(True)
        gen = torch.Generator().manual_seed(self.seed)
        s = self.side
        pix = np.nan_to_num(np.asarray(X[:, :s * s], dtype=np.float64))
        self.mean_, self.std_ = np.float32(pix.mean()), np.float32(pix.std() + 1e-6)
        x = self._images(X)
        if self.is_reg:
            y = np.asarray(y, dtype=np.float64)
            self.y_mean_, self.y_std_ = float(y.mean()), float(y.std() + 1e-12)
            t = torch.from_numpy(((y - self.y_mean_) / self.y_std_).astype(np.float32))
            out = 1
        else:
            self.classes_, codes = np.unique(y, return_inverse=True)
            t = torch.from_numpy(codes.astype(np.int64))
            out = len(self.classes_)
            if sample_weight is None and self.class_weight == "balanced":
                sample_weight = len(codes) / (out * np.bincount(codes)[codes])
        w = torch.from_numpy(np.asarray(sample_weight, dtype=np.float32)) if sample_weight is not None else None
        net = self._net(out)
        n = len(x)
        steps = max(1, self.epochs * -(-n // self.batch))
        opt = torch.optim.AdamW(net.parameters(), lr=self.lr, weight_decay=self.weight_decay)
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=self.lr, total_steps=steps)
        net.train()
        for _ in range(self.epochs):
            order = torch.randperm(n, generator=gen)
            for b in range(0, n, self.batch):
                idx = order[b:b + self.batch]
                if len(idx) < 2:  # batch norm needs two rows
                    continue
                pred = net(self._shifted(x[idx], gen))
                loss = (F.mse_loss(pred[:, 0], t[idx], reduction="none") if self.is_reg
                        else F.cross_entropy(pred, t[idx], reduction="none"))
                loss = (loss * w[idx]).sum() / w[idx].sum() if w is not None else loss.mean()
                opt.zero_grad()
                loss.backward()
                opt.step()
                sched.step()
        self.net_ = net.eval()
        return self

    def _outputs(self, X):
        import torch
        torch.set_num_threads(max(1, self.n_jobs))
        x = self._images(X)
        with torch.no_grad():
            return torch.cat([self.net_(x[b:b + 1024]) for b in range(0, len(x), 1024)]) if len(x) else torch.zeros((0, 1))

    def predict_proba(self, X):
        import torch
        return torch.softmax(self._outputs(X), dim=1).numpy().astype(np.float64)

    def predict(self, X):
        if self.is_reg:
            return self._outputs(X)[:, 0].numpy().astype(np.float64) * self.y_std_ + self.y_mean_
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]
