from goinglocal.cli import main

raise SystemExit(main())
