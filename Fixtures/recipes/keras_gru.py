# Export a trained Keras GRU layer, a batch, and TensorFlow's outputs and gradients for rnnref.
import json, numpy as np, keras, tensorflow as tf

keras.utils.set_random_seed(0)
layer = keras.layers.GRU(4, return_sequences=True, return_state=True)   # reset_after=True
inp = keras.Input((6, 3))
model = keras.Model(inp, layer(inp)[0])
model.compile("adam", "mse")
rng = np.random.default_rng(0)
model.fit(rng.normal(size=(32, 6, 3)), rng.normal(size=(32, 6, 4)), epochs=2, verbose=0)

x = tf.constant(rng.normal(size=(2, 6, 3)), tf.float32)     # the batch to check
h0 = tf.constant(rng.normal(size=(2, 4)), tf.float32)
u_out, u_h = rng.normal(size=(2, 6, 4)).astype("f4"), rng.normal(size=(2, 4)).astype("f4")
with tf.GradientTape() as tape:
    tape.watch([x, h0])
    out, hn = layer(x, initial_state=[h0])
    loss = tf.reduce_sum(out * u_out) + tf.reduce_sum(hn * u_h)    # L = Σ out⊙u + Σ h_n⊙u_h
grads = tape.gradient(loss, [*layer.weights, x, h0])

names = ["kernel", "recurrent_kernel", "bias"]                  # GRUCell's variables, in order
arrays = {n: w.numpy() for n, w in zip(names, layer.weights)}
arrays.update({"grad/" + n: g.numpy() for n, g in zip(names + ["x", "h0"], grads)})
arrays.update(x=x.numpy(), h0=h0.numpy(), out=out.numpy(), h_n=hn.numpy(), u_out=u_out, u_h=u_h)
np.savez("keras_gru.npz", **arrays)
json.dump({"provenance": {"framework": "keras " + keras.__version__ + ", tensorflow " + tf.__version__},
           "model": {"kind": "keras.GRU", "units": 4, "reset_after": True, "return_sequences": True,
                     "return_state": True, "weights": {n: n for n in names}, "x": "x",
                     "initial_state": ["h0"], "upstream": {"outputs": "u_out", "final_state": ["u_h"]}},
           "expected": {"outputs": "out", "final_state": ["h_n"],
                        "gradients": {n: "grad/" + n for n in names + ["x", "h0"]}}},
          open("keras_gru.model.json", "w"), indent=1)
