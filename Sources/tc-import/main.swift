import TCCommands

// The command is in TCCommands, so that tests can run it in-process.
TCImport.main()
