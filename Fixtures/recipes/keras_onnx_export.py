# Export a Keras LSTM and a Bidirectional LSTM to ONNX with tf2onnx, and save Keras' own numbers
# for the LSTM node of each exported graph, keyed by the graph's tensor names: rnnref then checks
# that each exported node computes what Keras does. tf2onnx 1.17 converts tf.keras (tf-keras)
# models, so this runs with TF_USE_LEGACY_KERAS=1.
import os
os.environ["TF_USE_LEGACY_KERAS"] = "1"
import numpy as np, onnx, tensorflow as tf, tf2onnx

keras = tf.keras
rng = np.random.RandomState(0)
T, B, I, H = 5, 2, 3, 4
x = rng.uniform(-1, 1, (B, T, I)).astype(np.float32)

def build(bidirectional):
    inp = keras.Input((T, I))
    lstm = keras.layers.LSTM(H, return_sequences=True, return_state=True)
    outs = (keras.layers.Bidirectional(lstm) if bidirectional else lstm)(inp)
    m = keras.Model(inp, outs)
    m.set_weights([rng.uniform(-0.6, 0.6, w.shape).astype(np.float32) for w in m.get_weights()])   # biases too
    return m

for name, bidirectional in (("keras_lstm_export", False), ("keras_bilstm_export", True)):
    m = build(bidirectional)
    proto, _ = tf2onnx.convert.from_keras(m, input_signature=(tf.TensorSpec((None, T, I), tf.float32, name="x"),), opset=17)
    onnx.save(proto, name + ".onnx")
    (node,) = [n for n in proto.graph.node if n.op_type == "LSTM"]
    outs = [o.numpy() for o in m(x)]
    # Keras: [B, T, D·H] and the states (forward h, c, then backward h, c); ONNX: Y [T, D, B, H], Y_h, Y_c [D, B, H]
    seq, states = outs[0], outs[1:]
    D = 2 if bidirectional else 1
    arrays = {node.input[0]: x.transpose(1, 0, 2),                                  # X [T, B, I]
              node.output[0]: seq.reshape(B, T, D, H).transpose(1, 2, 0, 3),
              node.output[1]: np.stack(states[0::2]), node.output[2]: np.stack(states[1::2])}
    for s_name in node.input[5:7]:                                                 # initial_h, initial_c: zeros
        if s_name:
            arrays[s_name] = np.zeros((D, B, H), np.float32)
    np.savez(name + ".npz", **arrays)
