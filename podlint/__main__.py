from podlint.app.entry import main

main()
