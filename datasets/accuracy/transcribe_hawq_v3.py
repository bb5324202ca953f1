"""Write resnet50_hawq_v3_layers.csv: HAWQ-V3's per-layer bits of ResNet-50, on the zoo's layer names.

    python datasets/accuracy/transcribe_hawq_v3.py path/to/HAWQ/bit_config.py > datasets/accuracy/resnet50_hawq_v3_layers.csv

Reads the dictionaries ``bit_config_resnet50_<scheme>`` of HAWQ's ``bit_config.py`` (a data file, parsed with
``ast.literal_eval``, never executed) and maps HAWQ's quantiser names to ``frontend_sim.zoo.resnet(50)``'s GEMM
layers (HAWQ's ``utils/models/q_resnet.py``: each quantiser feeds the named conv):

* ``conv1``: activation ``quant_input``, weight ``quant_init_convbn``;
* ``layer{s}.{u}.conv1`` / ``conv2`` / ``conv3``: activations ``stage{s}.unit{u+1}.quant_act`` / ``quant_act1`` /
  ``quant_act2``, weights ``quant_convbn1`` / ``quant_convbn2`` / ``quant_convbn3``;
* ``layer{s}.{u}.downsample``: activation ``quant_act`` (the unit's input), weight ``quant_identity_convbn``;
* ``fc``: activation ``quant_act_output``, weight ``quant_output``.
"""
import ast
import csv
import sys

SCHEMES = {"modelsize_0.75": "size0.75", "modelsize_0.5": "size0.5", "modelsize_0.25": "size0.25",
           "bops_0.75": "bops0.75", "bops_0.5": "bops0.5", "bops_0.25": "bops0.25",
           "latency_0.75": "latency0.75", "latency_0.5": "latency0.5", "latency_0.25": "latency0.25"}
UNITS = (3, 4, 6, 3)


def layers(bits: dict) -> list[tuple[str, int, int]]:
    rows = [("conv1", bits["quant_input"], bits["quant_init_convbn"])]
    for s, units in enumerate(UNITS, start=1):
        for u in range(units):
            q = f"stage{s}.unit{u + 1}."
            rows += [(f"layer{s}.{u}.conv1", bits[q + "quant_act"], bits[q + "quant_convbn1"]),
                     (f"layer{s}.{u}.conv2", bits[q + "quant_act1"], bits[q + "quant_convbn2"]),
                     (f"layer{s}.{u}.conv3", bits[q + "quant_act2"], bits[q + "quant_convbn3"])]
            if q + "quant_identity_convbn" in bits:
                rows.append((f"layer{s}.{u}.downsample", bits[q + "quant_act"], bits[q + "quant_identity_convbn"]))
    rows.append(("fc", bits["quant_act_output"], bits["quant_output"]))
    return rows


def main(path: str) -> None:
    tree = ast.parse(open(path).read())
    configs = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            configs.update(ast.literal_eval(node.value))
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["policy", "layer", "act_bits", "wgt_bits"])
    for scheme, name in SCHEMES.items():
        for layer, act, wgt in layers(configs[f"bit_config_resnet50_{scheme}"]):
            out.writerow([f"hawq-v3:{name}", layer, act, wgt])


if __name__ == "__main__":
    main(sys.argv[1])
