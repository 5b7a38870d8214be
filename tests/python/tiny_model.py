"""A tiny BERT sentence-transformers folder, built from nothing (no download), for tests.

usage: tiny_model.py DIR
"""
import string
import sys
from pathlib import Path

import torch

WORDS = """the a of in on and to is was who what which when where how many first year city river
lighthouse keeper island bridge built king queen war song album film born died capital museum
north south east west old new""".split()


def build(out: Path, seed: int = 0) -> Path:
    from sentence_transformers import SentenceTransformer
    from tokenizers import Tokenizer
    from tokenizers.decoders import WordPiece as WordPieceDecoder
    from tokenizers.models import WordPiece
    from tokenizers.normalizers import BertNormalizer
    from tokenizers.pre_tokenizers import BertPreTokenizer
    from tokenizers.processors import TemplateProcessing
    from transformers import BertConfig, BertModel, BertTokenizerFast

    try:
        from sentence_transformers.sentence_transformer.modules import Pooling, Transformer
    except ImportError:  # sentence-transformers before 6
        from sentence_transformers.models import Pooling, Transformer

    out = Path(out)
    hf = out.with_name(out.name + ".hf")
    hf.mkdir(parents=True, exist_ok=True)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    vocab += list(string.ascii_lowercase + string.digits + string.punctuation)
    vocab += ["##" + c for c in string.ascii_lowercase + string.digits]
    vocab += WORDS
    (hf / "vocab.txt").write_text("\n".join(vocab) + "\n")
    ids = {t: i for i, t in enumerate(vocab)}
    wordpiece = Tokenizer(WordPiece(ids, unk_token="[UNK]"))
    wordpiece.normalizer = BertNormalizer(lowercase=True)
    wordpiece.pre_tokenizer = BertPreTokenizer()
    wordpiece.post_processor = TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", ids["[CLS]"]), ("[SEP]", ids["[SEP]"])],
    )
    wordpiece.decoder = WordPieceDecoder()
    BertTokenizerFast(
        tokenizer_object=wordpiece,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
    ).save_pretrained(hf)
    torch.manual_seed(seed)
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=256,
    )
    BertModel(config).save_pretrained(hf)
    transformer = Transformer(str(hf), max_seq_length=128)
    model = SentenceTransformer(modules=[transformer, Pooling(32, "mean")], device="cpu")
    model.save(str(out), create_model_card=False)
    return out


if __name__ == "__main__":
    print(build(Path(sys.argv[1])))
