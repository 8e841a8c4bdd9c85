from torch.nn import utils  # noqa: F401


class Parameter:
    def __init__(self, name):
        self.name = name
        self.requires_grad = True

    def requires_grad_(self, flag=True):
        self.requires_grad = flag
        return self


class Module:
    """A module tree with named parameters, ``training`` flags and train()/eval()."""

    def __init__(self, **children):
        self.training = True
        self._children = children
        self._params = {"weight": Parameter("weight")} if not children else {}
        for name, child in children.items():
            setattr(self, name, child)

    def named_children(self):
        return list(self._children.items())

    def children(self):
        return [c for _, c in self.named_children()]

    def named_parameters(self, prefix=""):
        for name, param in self._params.items():
            yield (f"{prefix}.{name}" if prefix else name), param
        for name, child in self.named_children():
            yield from child.named_parameters(f"{prefix}.{name}" if prefix else name)

    def parameters(self):
        return [p for _, p in self.named_parameters()]

    def modules(self):
        out = [self]
        for child in self.children():
            out += child.modules()
        return out

    def requires_grad_(self, flag=True):
        for param in self.parameters():
            param.requires_grad = flag
        return self

    def train(self, mode=True):
        for module in self.modules():
            module.training = mode
        return self

    def eval(self):
        return self.train(False)


class ModuleList(Module):
    def __init__(self, items):
        super().__init__(**{str(i): m for i, m in enumerate(items)})
        self._items = list(items)

    def __getitem__(self, index):
        return self._items[index]

    def __iter__(self):
        return iter(self._items)

    def __len__(self):
        return len(self._items)
