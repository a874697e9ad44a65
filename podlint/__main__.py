from podlint.cli import main

main()
