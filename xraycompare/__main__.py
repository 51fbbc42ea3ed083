from xraycompare.cli import main

raise SystemExit(main())
