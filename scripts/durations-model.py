#!/usr/bin/env python3
"""Kokoro v1.0 with its predicted durations as a second output.

    durations-model.py IN.onnx OUT.onnx

Kokoro predicts how many frames each token lasts before it makes audio; the shipped graph
keeps those numbers inside. This adds one graph output, `durations`, an Identity of the
tensor the decoder's alignment is built from, and changes nothing else: the audio output
is computed exactly as before (scripts/durations-check.py proves it byte for byte).

The tensor is `/encoder/Cast_output_0`, int64 [1, N + 2] (one per token, the two 0 pads
included), in frames of 600 samples at 24 kHz at every speed: Round(sum of the duration
head's 50 sigmoids / speed), clipped to at least 1 frame, cast to int64. The audio is
exactly sum(durations) * 600 samples long. `/encoder/Round_output_0`, one step earlier, is
float32 and not yet clipped: above speed 2 some tokens round to 0 there, so its sum falls
short of the audio; the clipped, cast tensor is the one the decoder uses.

The graph is checked to be the expected one (Div by speed -> Round -> Clip(min 1) -> Cast
to int64 -> Gather -> CumSum) so another export fails here, not with wrong timings later.
The output is written with deterministic protobuf serialisation: the same input and the
same onnx/protobuf versions give the same bytes (fetch-assets.sh pins both and checks the
sha256).
"""

import sys

import onnx
from onnx import TensorProto, helper, numpy_helper

SOURCE = "/encoder/Cast_output_0"
OUTPUT = "durations"
DOC = (
    "Predicted duration of each token (the two 0 pads included), in frames of 600 samples "
    "at 24 kHz, at least 1; the audio output is sum(durations) * 600 samples."
)


def fail(msg: str) -> None:
    sys.exit(f"durations-model: {msg}")


def constant_value(graph: onnx.GraphProto, name: str):
    for init in graph.initializer:
        if init.name == name:
            return numpy_helper.to_array(init)
    for node in graph.node:
        if node.op_type == "Constant" and name in node.output:
            for attr in node.attribute:
                if attr.name == "value":
                    return numpy_helper.to_array(attr.t)
    return None


def check_graph(graph: onnx.GraphProto) -> None:
    producer = {out: node for node in graph.node for out in node.output}
    consumers: dict[str, list[onnx.NodeProto]] = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)

    def made_by(tensor: str, op: str) -> onnx.NodeProto:
        node = producer.get(tensor)
        if node is None or node.op_type != op:
            got = node.op_type if node is not None else "nothing"
            fail(f"{tensor} is made by {got}, expected {op}: not the Kokoro v1.0 export")
        return node

    cast = made_by(SOURCE, "Cast")
    to = next((a.i for a in cast.attribute if a.name == "to"), None)
    if to != TensorProto.INT64:
        fail(f"{cast.name} casts to type {to}, expected int64")
    clip = made_by(cast.input[0], "Clip")
    low = constant_value(graph, clip.input[1]) if len(clip.input) > 1 else None
    if low is None or float(low) != 1.0:
        fail(f"{clip.name} has minimum {low}, expected 1")
    rnd = made_by(clip.input[0], "Round")
    div = made_by(rnd.input[0], "Div")
    if div.input[1] != "speed":
        fail(f"{div.name} divides by {div.input[1]}, expected the speed input")
    users = consumers.get(SOURCE, [])
    if [n.op_type for n in users] != ["Gather"] or not any(
        n.op_type == "CumSum" for n in consumers.get(users[0].output[0], [])
    ):
        fail(f"{SOURCE} does not feed the alignment (Gather -> CumSum)")
    if any(o.name == OUTPUT for o in graph.output):
        fail(f"the graph already has an output '{OUTPUT}'")
    if [o.name for o in graph.output] != ["audio"]:
        fail(f"outputs are {[o.name for o in graph.output]}, expected ['audio']")


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit("usage: durations-model.py IN.onnx OUT.onnx")
    src, dst = sys.argv[1], sys.argv[2]
    with open(src, "rb") as f:
        model = onnx.load_from_string(f.read())
    graph = model.graph
    check_graph(graph)

    # The token axis keeps the input's name, so the output's shape reads [1, sequence_length].
    tokens = next(i for i in graph.input if i.name == "tokens")
    length = tokens.type.tensor_type.shape.dim[1].dim_param or "sequence_length"
    graph.node.append(helper.make_node("Identity", [SOURCE], [OUTPUT], name="/durations/Identity"))
    graph.output.append(
        helper.make_tensor_value_info(OUTPUT, TensorProto.INT64, [1, length], doc_string=DOC)
    )
    onnx.checker.check_model(model)
    data = model.SerializeToString(deterministic=True)
    with open(dst, "wb") as f:
        f.write(data)


if __name__ == "__main__":
    main()
