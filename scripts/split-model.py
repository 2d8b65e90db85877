#!/usr/bin/env python3
"""Kokoro v1.0 (with its durations output) split at its decoder, for windowed decoding.

    split-model.py IN.durations.onnx ENCODER.onnx DECODER.onnx

The encoder (text encoder, duration and prosody predictors: 1-2 % of a call) keeps the
model's inputs and gives what the decoder is made from, per frame of 600 samples (F frames):

    tokens [1, N+2] int64, style [1, 256], speed [1]
      -> features [1, 512, F] (the aligned text features), f0 [1, 2F] and energy [1, 2F]
         (pitch and energy at two points a frame), durations [1, N+2] int64 (as before)

The decoder (the rest: the audio) takes any run of those frames, so that a long chunk can be
decoded a window at a time and its first audio come after one short window:

    style [1, 256], features [1, 512, W], f0 [1, 2W], energy [1, 2W], phase [1, 1, 9]
      -> audio [1, 600 W], phase_steps [1, 2W, 9]

Its convolutions are float (the int8 weights dequantized: see `dequantize`), so that a window
is computed as the same frames are in the whole, but for what the decoder's normalizations
see of them.

Its harmonic source (`m_source/l_sin_gen`) turns f0 into sines of 9 harmonics whose phase is
a cumulative sum over half-frames, starting at 0 at the first frame it is given: a window
decoded alone would restart every sine there. `phase` is added to that sum, and
`phase_steps` is the sum itself (without `phase`), so a caller carries each harmonic's phase
from one window into the next: the phase at half-frame j of a window is `phase` plus
`phase_steps[j]`, in cycles / 300 (the graph multiplies by 2 pi 300). With `phase` 0 and the
whole run of frames the decoder is the model's own decoder, and chained after the encoder it
gives the model's audio but for the int8 activations' rounding (log-spectral distance 0.31,
as far as the int8 model is from itself on inputs one part in 10^4 apart; and the durations
and every encoder output bit for bit: scripts/window-check.py).

The graph is checked to be the expected one (the cut tensors and the sine generator's
CumSum -> Mul chain), so another export fails here rather than sounding wrong later. The
files are written with deterministic protobuf serialisation: the same input and the same
pinned onnx and protobuf versions give the same bytes (fetch-assets.sh checks the sha256).
"""

import sys

import onnx
import numpy as np
from onnx import TensorProto, helper, numpy_helper

FEATURES = "/encoder/MatMul_1_output_0"
F0 = "/encoder/Reshape_output_0"
ENERGY = "/encoder/Reshape_1_output_0"
CUMSUM = "/decoder/decoder/generator/m_source/l_sin_gen/CumSum"
HARMONICS = 9
RENAME = {FEATURES: "features", F0: "f0", ENERGY: "energy"}


def fail(msg: str) -> None:
    sys.exit(f"split-model: {msg}")


def rename(graph: onnx.GraphProto, old: str, new: str) -> None:
    """Every use of tensor `old` in the graph (nodes, inputs, outputs) is called `new`."""
    for node in graph.node:
        node.input[:] = [new if x == old else x for x in node.input]
        node.output[:] = [new if x == old else x for x in node.output]
    for value in list(graph.input) + list(graph.output) + list(graph.value_info):
        if value.name == old:
            value.name = new


def check(graph: onnx.GraphProto) -> None:
    made = {out for node in graph.node for out in node.output}
    for name in (FEATURES, F0, ENERGY):
        if name not in made:
            fail(f"the graph has no tensor {name}: not the Kokoro v1.0 export")
    cumsum = [n for n in graph.node if n.name == CUMSUM]
    if len(cumsum) != 1 or cumsum[0].op_type != "CumSum":
        fail(f"the graph has no node {CUMSUM} (the harmonic source's phase)")
    users = [n for n in graph.node if cumsum[0].output[0] in n.input]
    if [n.op_type for n in users] != ["Mul"]:
        fail(f"{CUMSUM} feeds {[n.op_type for n in users]}, expected one Mul (2 pi)")
    if [o.name for o in graph.output] != ["audio", "durations"]:
        fail(f"outputs are {[o.name for o in graph.output]}, expected audio and durations")


def extract(model: onnx.ModelProto, inputs: list[str], outputs: list[str]) -> onnx.ModelProto:
    extractor = onnx.utils.Extractor(model)
    part = extractor.extract_model(inputs, outputs)
    part.ir_version = model.ir_version
    del part.opset_import[:]
    part.opset_import.extend(model.opset_import)
    return part


def encoder(model: onnx.ModelProto) -> onnx.ModelProto:
    enc = extract(model, ["tokens", "style", "speed"], [FEATURES, F0, ENERGY, "durations"])
    for old, new in RENAME.items():
        rename(enc.graph, old, new)
    enc.graph.name = "kokoro-encoder"
    return enc


def dequantize(graph: onnx.GraphProto) -> int:
    """Each convolution the int8 export quantizes on the fly (DynamicQuantizeLinear of its
    input -> ConvInteger -> the int32 bias added -> Cast -> Mul by the input's and the
    weights' scales) becomes one float Conv of the same weights, dequantized here
    ((w - zero point) * scale), and the float bias. The int8 path quantizes each call's
    activations by that call's own range, so the same frames decoded in a window and in the
    whole come out apart by rounding alone (log-spectral distance 0.28 for inputs one part in
    10^4 apart); in float they do not (0.0001). The style's MatMulIntegers (one value per call)
    stay. Returns how many were changed."""
    made = {out: node for node in graph.node for out in node.output}
    users: dict[str, list[onnx.NodeProto]] = {}
    for node in graph.node:
        for name in node.input:
            users.setdefault(name, []).append(node)
    values = {i.name: numpy_helper.to_array(i) for i in graph.initializer}

    def only_user(tensor: str, op: str) -> onnx.NodeProto:
        found = users.get(tensor, [])
        if len(found) != 1 or found[0].op_type != op:
            fail(f"{tensor} feeds {[n.op_type for n in found]}, expected one {op}")
        return found[0]

    replaced: dict[str, onnx.NodeProto] = {}
    for conv in [n for n in graph.node if n.op_type == "ConvInteger"]:
        x_q, w_q, _, w_zero = conv.input
        quantize = made.get(x_q)
        if quantize is None or quantize.op_type != "DynamicQuantizeLinear":
            fail(f"{conv.name}'s input is not quantized on the fly")
        x, x_scale = quantize.input[0], quantize.output[1]
        step = users[conv.output[0]][0]
        bias = None
        if step.op_type == "Add":
            quantized = made[next(i for i in step.input if i != conv.output[0])]
            rounded = made[made[made[quantized.input[0]].input[0]].input[0]]
            if rounded.op_type != "Div":
                fail(f"{conv.name}'s bias is not quantized by a Div")
            bias = values[rounded.input[0]]
            step = only_user(step.output[0], "Cast")
        elif step.op_type != "Cast":
            fail(f"{conv.name} feeds {step.op_type}")
        scaled = only_user(step.output[0], "Mul")
        scale = made[next(i for i in scaled.input if i != step.output[0])]
        if scale.op_type != "Mul" or x_scale not in scale.input:
            fail(f"{conv.name}'s output is not scaled by its input's scale")
        w_scale = values[next(i for i in scale.input if i != x_scale)]
        weights = values[w_q].astype(np.float32)
        shape = (-1,) + (1,) * (weights.ndim - 1)
        zero = values[w_zero].astype(np.float32)
        weights = (weights - zero.reshape(shape)) * np.asarray(w_scale, np.float32).reshape(shape)
        inputs = [x, conv.name + "/float_weight"]
        graph.initializer.append(numpy_helper.from_array(weights.astype(np.float32), inputs[1]))
        if bias is not None:
            inputs.append(conv.name + "/float_bias")
            graph.initializer.append(numpy_helper.from_array(bias.astype(np.float32), inputs[2]))
        attributes = {a.name: helper.get_attribute_value(a) for a in conv.attribute}
        replaced[scaled.output[0]] = helper.make_node(
            "Conv", inputs, [scaled.output[0]], name=conv.name + "/float", **attributes
        )
    nodes = [replaced.get(n.output[0], n) if n.op_type == "Mul" else n for n in graph.node]
    # What no output needs any more (the int8 path) goes.
    needed = {o.name for o in graph.output}
    kept = []
    for node in reversed(nodes):
        if any(o in needed for o in node.output):
            kept.append(node)
            needed.update(i for i in node.input if i)
    del graph.node[:]
    graph.node.extend(reversed(kept))
    initializers = [i for i in graph.initializer if i.name in needed]
    del graph.initializer[:]
    graph.initializer.extend(initializers)
    return len(replaced)


def decoder(model: onnx.ModelProto) -> onnx.ModelProto:
    dec = extract(model, ["style", FEATURES, F0, ENERGY], ["audio"])
    graph = dec.graph
    if dequantize(graph) == 0:
        fail("the decoder has no int8 convolutions: not the int8 Kokoro v1.0 export")
    for old, new in RENAME.items():
        rename(graph, old, new)
    cumsum = next(n for n in graph.node if n.name == CUMSUM)
    steps = cumsum.output[0]
    shifted = steps + "_shifted"
    for node in graph.node:
        if node is not cumsum:
            node.input[:] = [shifted if x == steps else x for x in node.input]
    at = list(graph.node).index(cumsum) + 1
    graph.node.insert(at, helper.make_node("Add", [steps, "phase"], [shifted], name=CUMSUM + "/phase"))
    graph.node.append(helper.make_node("Identity", [steps], ["phase_steps"], name="/phase_steps/Identity"))
    graph.input.append(helper.make_tensor_value_info("phase", TensorProto.FLOAT, [1, 1, HARMONICS]))
    graph.output.append(
        helper.make_tensor_value_info("phase_steps", TensorProto.FLOAT, [1, "half_frames", HARMONICS])
    )
    graph.name = "kokoro-decoder"
    return dec


def main() -> None:
    if len(sys.argv) != 4:
        sys.exit("usage: split-model.py IN.durations.onnx ENCODER.onnx DECODER.onnx")
    src, enc_path, dec_path = sys.argv[1:]
    with open(src, "rb") as f:
        model = onnx.load_from_string(f.read())
    check(model.graph)
    for part, path in ((encoder(model), enc_path), (decoder(model), dec_path)):
        onnx.checker.check_model(part)
        with open(path, "wb") as f:
            f.write(part.SerializeToString(deterministic=True))


if __name__ == "__main__":
    main()
