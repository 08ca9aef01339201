"""`tf.contrib.rnn.CoupledInputForgetGateLSTMCell` for TensorFlow 2 (graph mode, tf.compat.v1):
TensorFlow 2 has no contrib, so this is the cell's `call` from TensorFlow 1.x
(tensorflow/contrib/rnn/python/ops/rnn_cell.py, r1.15), kept line for line with the framework's
own ops, and `tf.contrib.layers.layer_norm` as TF 1.x computes it (moments over the last axis,
`nn.batch_normalization` with variance_epsilon 1e-12). Variables are created under the same
names (`W_0`, `B`, `W_F_diag`, `W_O_diag`, `W_P_0`, `transform/gamma`, ...), so a checkpoint of
the contrib cell maps one to one.

The class's `call` below is TF 1.x's, line for line (`_get_concat_variable("W", ...)` with one
shard is the variable `W_0`, `"W_P"` likewise `W_P_0`; `vs.get_variable` is
`tf.compat.v1.get_variable`). What it calls from elsewhere, quoted: `_norm` and
`layers.layer_norm` (tensorflow/contrib/layers/python/layers/layers.py):

    def _norm(g, b, inp, scope):
      shape = inp.get_shape()[-1:]
      gamma_init = init_ops.constant_initializer(g)
      beta_init = init_ops.constant_initializer(b)
      with vs.variable_scope(scope):
        vs.get_variable("gamma", shape=shape, initializer=gamma_init)
        vs.get_variable("beta", shape=shape, initializer=beta_init)
      normalized = layers.layer_norm(inp, reuse=True, scope=scope)
      return normalized

    # in layer_norm, begin_norm_axis=1, begin_params_axis=-1:
    mean, variance = nn.moments(inputs, norm_axes, keep_dims=True)
    variance_epsilon = 1e-12
    outputs = nn.batch_normalization(inputs, mean, variance, offset=beta, scale=gamma,
                                     variance_epsilon=variance_epsilon)
"""
import tensorflow as tf

rnn_cell = tf.compat.v1.nn.rnn_cell


def _norm(g, b, inp, scope):
    shape = inp.get_shape()[-1:]
    with tf.compat.v1.variable_scope(scope):
        gamma = tf.compat.v1.get_variable("gamma", shape=shape, initializer=tf.compat.v1.constant_initializer(g), dtype=inp.dtype)
        beta = tf.compat.v1.get_variable("beta", shape=shape, initializer=tf.compat.v1.constant_initializer(b), dtype=inp.dtype)
    mean, variance = tf.nn.moments(inp, [1], keepdims=True)
    return tf.nn.batch_normalization(inp, mean, variance, offset=beta, scale=gamma, variance_epsilon=1e-12)


class CoupledInputForgetGateLSTMCell(rnn_cell.RNNCell):
    def __init__(self, num_units, use_peepholes=False, num_proj=None, proj_clip=None, forget_bias=1.0,
                 state_is_tuple=True, activation=tf.tanh, layer_norm=False, norm_gain=1.0, norm_shift=0.0, dtype=None):
        super().__init__(dtype=dtype)
        self._num_units = num_units
        self._use_peepholes = use_peepholes
        self._num_proj = num_proj
        self._proj_clip = proj_clip
        self._forget_bias = forget_bias
        self._state_is_tuple = state_is_tuple
        self._activation = activation
        self._layer_norm = layer_norm
        self._norm_gain = norm_gain
        self._norm_shift = norm_shift
        if num_proj:
            self._state_size = rnn_cell.LSTMStateTuple(num_units, num_proj) if state_is_tuple else num_units + num_proj
            self._output_size = num_proj
        else:
            self._state_size = rnn_cell.LSTMStateTuple(num_units, num_units) if state_is_tuple else 2 * num_units
            self._output_size = num_units

    @property
    def state_size(self):
        return self._state_size

    @property
    def output_size(self):
        return self._output_size

    def call(self, inputs, state):
        sigmoid = tf.sigmoid
        num_proj = self._num_units if self._num_proj is None else self._num_proj
        if self._state_is_tuple:
            (c_prev, m_prev) = state
        else:
            c_prev = tf.slice(state, [0, 0], [-1, self._num_units])
            m_prev = tf.slice(state, [0, self._num_units], [-1, num_proj])
        dtype = inputs.dtype
        input_size = inputs.get_shape().with_rank(2)[1]
        concat_w = tf.compat.v1.get_variable("W_0", [input_size + num_proj, 3 * self._num_units], dtype=dtype)
        b = tf.compat.v1.get_variable("B", shape=[3 * self._num_units], initializer=tf.compat.v1.zeros_initializer(), dtype=dtype)
        cell_inputs = tf.concat([inputs, m_prev], 1)
        lstm_matrix = tf.matmul(cell_inputs, concat_w)
        if not self._layer_norm:
            lstm_matrix = tf.nn.bias_add(lstm_matrix, b)
        j, f, o = tf.split(value=lstm_matrix, num_or_size_splits=3, axis=1)
        if self._layer_norm:
            j = _norm(self._norm_gain, self._norm_shift, j, "transform")
            f = _norm(self._norm_gain, self._norm_shift, f, "forget")
            o = _norm(self._norm_gain, self._norm_shift, o, "output")
        if self._use_peepholes:
            w_f_diag = tf.compat.v1.get_variable("W_F_diag", shape=[self._num_units], dtype=dtype)
            w_o_diag = tf.compat.v1.get_variable("W_O_diag", shape=[self._num_units], dtype=dtype)
        if self._use_peepholes:
            f_act = sigmoid(f + self._forget_bias + w_f_diag * c_prev)
        else:
            f_act = sigmoid(f + self._forget_bias)
        c = (f_act * c_prev + (1 - f_act) * self._activation(j))
        if self._layer_norm:
            c = _norm(self._norm_gain, self._norm_shift, c, "state")
        if self._use_peepholes:
            m = sigmoid(o + w_o_diag * c) * self._activation(c)
        else:
            m = sigmoid(o) * self._activation(c)
        if self._num_proj is not None:
            concat_w_proj = tf.compat.v1.get_variable("W_P_0", [self._num_units, self._num_proj], dtype=dtype)
            m = tf.matmul(m, concat_w_proj)
            if self._proj_clip is not None:
                m = tf.clip_by_value(m, -self._proj_clip, self._proj_clip)
        new_state = rnn_cell.LSTMStateTuple(c, m) if self._state_is_tuple else tf.concat([c, m], 1)
        return m, new_state
