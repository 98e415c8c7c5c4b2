from lrs.cli import main

main()
