from crashlint.cli import main

raise SystemExit(main())
