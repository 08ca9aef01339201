import RNNRefCLI

RNNRef.main()
