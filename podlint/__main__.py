from podlint.entry import main

main()
