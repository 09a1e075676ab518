from mlp_cli.cli.app import main

main()
