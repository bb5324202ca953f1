"""LLM phases: published parameter counts, prefill/decode closed forms, GQA sharing, the KV cache as
DRAM traffic, batch, names, and why decode is memory bound."""
from dataclasses import replace

import pytest

from frontend_sim.errors import SimulatorInputError
from frontend_sim.hardware import load_hardware
from frontend_sim.llm import DECODERS, DecoderConfig, decode_step, llm_workload, mean_decode_context, prefill
from frontend_sim.simulator import simulate
from frontend_sim.zoo import get_workload


def _norm_params(c: DecoderConfig) -> int:
    per_norm = c.hidden * (2 if c.norm == "layernorm" else 1)  # γ (and β)
    return (2 * c.layers + 1) * per_norm


def test_published_parameter_counts():
    """Weights + embeddings + norms (+ GPT-2's biases) = the models' published totals, to the unit."""
    gpt2, small, big = DECODERS["gpt2"], DECODERS["llama3_2_1b"], DECODERS["llama2_7b"]
    gpt2_biases = gpt2.layers * (3 * 768 + 768 + 3072 + 768)
    assert gpt2.weight_params + 1024 * 768 + _norm_params(gpt2) + gpt2_biases == 124_439_808  # tied wte
    assert small.weight_params + _norm_params(small) == 1_235_814_400  # tied embeddings
    assert big.weight_params + big.vocab * big.hidden + _norm_params(big) == 6_738_415_616


@pytest.mark.parametrize("model", sorted(DECODERS))
@pytest.mark.parametrize("batch", [1, 3])
def test_decode_and_prefill_closed_forms(model, batch):
    c = DECODERS[model]
    d, context, prompt = c.head_dim, 700, 96
    step = decode_step(c, context, batch)
    assert step.macs == batch * (c.weight_params + c.layers * 2 * c.heads * context * d)
    assert (step.tokens, step.phase, step.batch) == (batch, "decode", batch)
    kv = c.kv_heads * d
    per_layer = (prompt * (2 * c.hidden * c.hidden + 2 * c.hidden * kv + (3 if c.gated_ffn else 2) * c.hidden * c.ffn)
                 + 2 * c.heads * prompt * prompt * d)
    first = prefill(c, prompt, batch)
    assert first.macs == batch * (c.layers * per_layer + c.hidden * c.vocab)
    assert (first.tokens, first.phase) == (batch, "prefill")


def test_gqa_shares_the_kv_cache_and_batch_does_not():
    c = DECODERS["llama3_2_1b"]  # 32 query heads, 8 KV heads
    step = decode_step(c, 1000)
    scores = next(l for l in step.layers if l.name == "layer0.attn.scores")
    assert (scores.groups, scores.gemm_m, scores.gemm_k, scores.gemm_n) == (8, 4, 64, 1000)
    batched = decode_step(c, 1000, batch=4)
    scores4 = next(l for l in batched.layers if l.name == "layer0.attn.scores")
    assert (scores4.groups, scores4.gemm_m) == (32, 4)  # each sequence has its own cache
    q_proj = next(l for l in batched.layers if l.name == "layer0.attn.q_proj")
    assert q_proj.gemm_m == 4  # projections: one weight fetch serves the batch
    hw = load_hardware("tpu-v1-like")
    one, four = (simulate(w, hw).layers.set_index("layer") for w in (step, batched))
    wgt_bytes = hw.wgt_bits / 8
    # the key cache is the right operand: read from DRAM once per step, K·N per KV head
    assert one.loc["layer0.attn.scores", "dram_filter_bytes"] == 8 * 64 * 1000 * wgt_bytes
    assert four.loc["layer0.attn.scores", "dram_filter_bytes"] == 4 * 8 * 64 * 1000 * wgt_bytes
    assert four.loc["layer0.attn.q_proj", "dram_filter_bytes"] == one.loc["layer0.attn.q_proj", "dram_filter_bytes"]


@pytest.mark.parametrize("preset", ["tpu-v1-like", "genesys-16x16"])
def test_decode_is_memory_bound_and_prefill_is_not(preset):
    """Decode multiplies each weight once per token (≈1 MAC per weight byte at 8 bits); prefill reuses it
    over the prompt, so its arithmetic intensity (MACs per DRAM byte) is far higher."""
    hw = load_hardware(preset)
    c = DECODERS["gpt2"]

    def intensity(workload):
        totals = simulate(workload, hw).totals
        return totals["macs"] / (totals["dram_read_bytes"] + totals["dram_write_bytes"])

    decode, first = intensity(decode_step(c, 256)), intensity(prefill(c, 256))
    assert decode < 1.0 and first > 10 * decode
    assert intensity(decode_step(c, 256, batch=8)) > 4 * decode  # batching decode reuses the weights


def test_zoo_names_and_bad_configs():
    assert get_workload("llama2_7b_decode").macs == decode_step(DECODERS["llama2_7b"],
                                                                 mean_decode_context(512, 128)).macs
    assert mean_decode_context(512, 128) == 576
    assert get_workload("gpt2_prefill_p64").macs == prefill(DECODERS["gpt2"], 64).macs
    assert get_workload("llama3_2_1b_decode_ctx2048").name == "llama3_2_1b_decode_ctx2048"
    for name in ("gpt2_prefill_ctx3", "gpt2_decode_p3", "gpt3_decode", "gpt2_decode_ctx0"):
        assert llm_workload(name) is None
    with pytest.raises(SimulatorInputError, match="unknown workload 'gpt3_decode'.*llm: gpt2"):
        get_workload("gpt3_decode")
    with pytest.raises(SimulatorInputError, match="kv_heads \\(5\\) must divide heads"):
        replace(DECODERS["gpt2"], kv_heads=5)
    with pytest.raises(SimulatorInputError, match="prompt=0"):
        prefill(DECODERS["gpt2"], 0)
