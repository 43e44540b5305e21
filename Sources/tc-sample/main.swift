print("tc-sample: not yet")
