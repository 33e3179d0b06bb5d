// NN module
