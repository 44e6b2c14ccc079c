"""Step 2's checked exercises: the right answers, from the run's own configuration and backbone."""

import copy

from . import choice, number


def _parameters(model) -> int:
    return sum(p.numel() for p in model.parameters())


@number("2.1", tolerance=0.005, hint={
    "en": "the token-embedding table holds vocabulary size × hidden size numbers; divide by all parameters.",
    "zh": "token 嵌入表有“词表大小 × 隐藏维度”个参数，再除以参数总数。",
})
def embedding_share(settings, backbone):
    return backbone.get_input_embeddings().weight.numel() / _parameters(backbone)


@number("2.2", tolerance=0, hint={
    "en": "the classification head is one linear layer: hidden size × labels; check for a bias.",
    "zh": "分类头是一个线性层：隐藏维度 × 标签数；再看它有没有偏置。",
})
def head_parameters(settings, config, backbone, label_names):
    """The classification model, built on PyTorch's meta device (shapes only, no memory, no weights read),
    less the backbone: what `AutoModelForSequenceClassification` adds for this run's labels."""
    import torch
    from transformers import AutoModelForSequenceClassification

    config = copy.deepcopy(config)
    config.num_labels = len(label_names)
    with torch.device("meta"):
        classifier = AutoModelForSequenceClassification.from_config(config)
    return _parameters(classifier) - _parameters(backbone)


@choice("2.3", options=lambda settings, config: ["encoder", "decoder"], hint={
    "en": "the model type line of section 2.1's table: was that type pretrained to predict the next token?",
    "zh": "看 2.1 节表格中 model type 一行：这种模型是为预测下一个 token 而预训练的吗？",
})
def encoder_or_decoder(settings, config):
    from ..zero_shot import is_causal_lm

    return "decoder" if is_causal_lm(config) else "encoder"
