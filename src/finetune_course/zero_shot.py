"""Zero-shot baselines: what a pretrained model does with the task before any training.

Step 1 calls these before the course has taught tokens, padding or attention masks; open this
file after step 4 to read how they work. Two kinds of model need two methods:

- A causal language model (GPT-2) continues text, so we *prompt* it ("Tweet: ...\\nSentiment:")
  and compare its next-token scores for the label words.
- A sentence encoder (MiniLM) cannot continue text, but it maps texts to vectors whose closeness
  means closeness in meaning. We embed each tweet and a short *description* of each label, and
  pick the label whose description is nearest (cosine similarity of mean-pooled embeddings).
"""

from __future__ import annotations

import numpy as np

# Descriptions of the course's labels for the embedding method; any other label is described as
# "This text is <label>." Step 1's exercise changes them.
LABEL_DESCRIPTIONS = {
    "negative": "A negative tweet: the writer is sad, angry, annoyed or disappointed.",
    "neutral": "A neutral tweet: the writer states a plain fact or plan, with no feeling either way.",
    "positive": "A positive tweet: the writer is happy, excited, grateful or pleased.",
}
PROMPT = "Tweet: {text}\nSentiment:"


def is_causal_lm(config) -> bool:
    """Whether the model reads left to right and was pretrained to predict the next token (GPT-2: yes, MiniLM:
    no). Its type decides, not only the head it was saved with: a GPT-2 fine-tuned in step 7 is saved as
    `GPT2ForSequenceClassification`, and is still a decoder."""
    from transformers.models.auto.modeling_auto import (
        MODEL_FOR_CAUSAL_LM_MAPPING_NAMES,
        MODEL_FOR_MASKED_LM_MAPPING_NAMES,
    )

    if getattr(config, "is_encoder_decoder", False):
        return False
    if any(name.endswith(("LMHeadModel", "ForCausalLM")) for name in (config.architectures or [])):
        return True
    # A type with a causal LM and no masked LM (GPT-2, Llama); BERT-like types have both (BERT, RoBERTa)
    return (config.model_type in MODEL_FOR_CAUSAL_LM_MAPPING_NAMES
            and config.model_type not in MODEL_FOR_MASKED_LM_MAPPING_NAMES)


def prompt_predictions(model_source: str, texts: list[str], label_names: list[str],
                       prompt: str = PROMPT, batch_size: int = 32) -> np.ndarray:
    """Causal LM: the label word whose first token scores highest as the next token after the prompt."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_source)
    tokenizer.pad_token = tokenizer.pad_token or tokenizer.eos_token   # GPT-2 has no pad token (step 4)
    tokenizer.padding_side = "right"
    lm = AutoModelForCausalLM.from_pretrained(model_source).eval()
    # The first token of each label word, with its leading space, as it would follow "Sentiment:".
    word_ids = [tokenizer(" " + word)["input_ids"][0] for word in label_names]
    # The LM head's rows for the label words only: scoring every vocabulary entry at every position (what
    # `lm(**batch).logits` computes, and step 1's by-hand cell shows for one prompt) would cost far more.
    head = lm.get_output_embeddings()
    predictions = []
    for start in range(0, len(texts), batch_size):
        prompts = [prompt.format(text=text) for text in texts[start:start + batch_size]]
        batch = tokenizer(prompts, return_tensors="pt", padding=True, truncation=True, max_length=128)
        with torch.no_grad():
            hidden = lm.base_model(**batch).last_hidden_state
            last = batch["attention_mask"].sum(dim=1) - 1      # the last real token of each prompt
            at_last = hidden[torch.arange(len(prompts)), last]
            scores = at_last @ head.weight[word_ids].T + (0 if head.bias is None else head.bias[word_ids])
        predictions.extend(scores.argmax(dim=-1).tolist())
    return np.array(predictions)


def embedding_predictions(model_source: str, texts: list[str], label_names: list[str],
                          descriptions: dict[str, str] | None = None, batch_size: int = 64) -> np.ndarray:
    """Sentence encoder: the label whose description's embedding is nearest to the text's."""
    labels = embed(model_source, label_texts(label_names, descriptions), batch_size)
    tweets = embed(model_source, texts, batch_size)
    return (tweets @ labels.T).argmax(axis=1)


def label_texts(label_names: list[str], descriptions: dict[str, str] | None = None) -> list[str]:
    """The sentence the embedding method compares with each tweet, one per label: `descriptions` over the
    course's; a label neither names is described as "This text is <label>."."""
    descriptions = {**LABEL_DESCRIPTIONS, **(descriptions or {})}
    return [descriptions.get(name, f"This text is {name}.") for name in label_names]


def embed(model_source: str, texts: list[str], batch_size: int = 64) -> np.ndarray:
    """Unit-length sentence embeddings: the mean of the last hidden states over the real tokens,
    the pooling all-MiniLM-L6-v2 was trained with."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_source)
    encoder = AutoModel.from_pretrained(model_source).eval()
    vectors = []
    for start in range(0, len(texts), batch_size):
        batch = tokenizer(texts[start:start + batch_size], return_tensors="pt", padding=True,
                          truncation=True, max_length=128)
        with torch.no_grad():
            hidden = encoder(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        mean = (hidden * mask).sum(dim=1) / mask.sum(dim=1)
        vectors.append(torch.nn.functional.normalize(mean, dim=-1))
    return torch.cat(vectors).numpy()


def predictions(
    model_source: str, config, texts: list[str], label_names: list[str]
) -> tuple[str, np.ndarray]:
    """(method, predicted class ids): prompting for a causal LM, label descriptions for an encoder."""
    if is_causal_lm(config):
        return "prompt", prompt_predictions(model_source, texts, label_names)
    return "label descriptions", embedding_predictions(model_source, texts, label_names)
