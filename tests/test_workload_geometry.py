"""Closed-form geometry of the conv view that every layer uses."""
from frontend_sim.workloads import Layer


def test_resnet_stem_conv_geometry():
    # ResNet-50 conv1: 224x224x3, 7x7/2, pad 3 each side, 64 filters -> 112x112x64.
    conv1 = Layer("conv1", "conv", 224, 224, 3, 7, 7, 64, 2, 2, pad_h=6, pad_w=6)
    assert (conv1.ofmap_h, conv1.ofmap_w) == (112, 112)
    assert (conv1.gemm_m, conv1.gemm_n, conv1.gemm_k) == (112 * 112, 64, 147)
    assert conv1.macs == 118_013_952


def test_gemm_in_conv_view_and_depthwise():
    fc = Layer("fc", "gemm", ifmap_h=1, ifmap_w=2048, filter_w=2048, num_filters=1000)
    assert (fc.gemm_m, fc.gemm_n, fc.gemm_k, fc.macs) == (1, 1000, 2048, 2048 * 1000)
    dw = Layer("dw", "conv", 56, 56, 32, 3, 3, 32, pad_h=2, pad_w=2, groups=32)
    assert (dw.gemm_m, dw.gemm_n, dw.gemm_k) == (56 * 56, 1, 9)
    assert dw.macs == 56 * 56 * 9 * 32
