;;; emacs_doctest_test.el --- Docstring examples in real batch Emacs with eglot  -*- lexical-binding: t; -*-

;; The `doctest' scenario of emacs_test.el (EVALENS_SCENARIO=doctest), loaded by it once
;; Emacs is set up by editors/emacs/README.md's Setup block, with its helpers
;; (`evalens-test-step', `evalens-test-expect', `evalens-test-wait', ...).
;;
;; A saved file with two docstrings with `>>>' examples: `C-c . d' in a docstring with one
;; failing example tells the outcome in the echo area and eglot's Flymake diagnostic is on
;; the failing `>>>' line; `Update expected output', chosen through `eglot-code-actions'
;; (`completing-read' stubbed as the user's choice), writes what it printed and a re-run
;; passes; `C-c . u' applies `Update all expected output in this docstring'; the lens
;; (`C-c . l'), `C-u C-c . d' and a line in no docstring.

(require 'cl-lib)
(require 'subr-x)

(defvar evalens-test-doctest-source
  '("def add(a, b):"                        ;  1
    "    \"\"\"Add two numbers."            ;  2
    ""                                      ;  3
    "    >>> add(1, 2)"                     ;  4
    "    3"                                 ;  5
    "    >>> add(7, 8)"                     ;  6
    "    16"                                ;  7
    "    >>> add(2, 2)"                     ;  8
    "    4"                                 ;  9
    "    \"\"\""                            ; 10
    "    return a + b"                      ; 11
    ""                                      ; 12
    ""                                      ; 13
    "def square(x):"                        ; 14
    "    \"\"\""                            ; 15
    "    >>> square(3)"                     ; 16
    "    9"                                 ; 17
    "    \"\"\""                            ; 18
    "    return x * x"                      ; 19
    ""                                      ; 20
    ""                                      ; 21
    "RATE = 2"))                            ; 22

(defvar evalens-test-doctest nil "The buffer of arith.py.")

(defun evalens-test-doctest-press (keys command &optional prefix)
  "Press KEYS (as `kbd' reads them), with the prefix argument PREFIX; they must run COMMAND."
  (let ((bound (key-binding (kbd keys))))
    (evalens-test-expect (eq bound command) "%s runs %S, not %S" keys bound command)
    (let ((current-prefix-arg prefix))
      (call-interactively bound))))

(defun evalens-test-doctest-told (text)
  "Wait until TEXT was told in the echo area."
  (evalens-test-expect (evalens-test-wait 15 (lambda () (member text evalens-test-messages)))
                       "not told %S; messages %S" text evalens-test-messages))

(defun evalens-test-doctest-diagnostics ()
  "The failing examples' diagnostics: \"LINE: TEXT\", in line order.
eglot writes their text as \"evalens.doctest [example-failed]: TEXT\"."
  (let (found)
    (dolist (diag eglot--diagnostics)
      (when (string-match-p "evalens.doctest" (flymake-diagnostic-text diag))
        (push (format "%d: %s" (line-number-at-pos (flymake-diagnostic-beg diag))
                      (replace-regexp-in-string "\\`evalens\\.doctest \\[example-failed\\]: " ""
                                                (flymake-diagnostic-text diag)))
              found)))
    (string-join (sort found #'string<) " | ")))

(defun evalens-test-doctest-lines (first last)
  (buffer-substring-no-properties (evalens-test-line-pos first) (1- (evalens-test-line-pos (1+ last)))))

(evalens-test-step "doctest: the one-line outcome of an exception, no output, skipped examples, an interrupt"
  (let* ((raised "Traceback (most recent call last):\n    ...\nZeroDivisionError: division by zero\n")
         (cases
          `(((:ok t :passed 1 :failed 2 :skipped 1
              :examples [(:line 3 :ok :json-false :skipped :json-false :want "1\n" :got ,raised)
                         (:line 5 :ok :json-false :skipped :json-false :want "" :got "2\n")])
             "✗ 2 of 3 failed, 1 skipped · line 4: expected 1, got ZeroDivisionError: division by zero (+1 more)")
            ((:ok t :passed 0 :failed 1 :skipped 0
              :examples [(:line 0 :ok :json-false :skipped :json-false :want "[1,\n 2]\n" :got "")])
             "✗ 1 of 1 failed · line 1: expected [1, 2], got nothing")
            ((:ok t :passed 2 :failed 0 :skipped 1 :examples []) "✓ 2/2 examples passed, 1 skipped")
            ((:ok :json-false :passed 1 :failed 1 :skipped 0 :examples []
              :error (:type "KeyboardInterrupt" :message ""))
             "✗ KeyboardInterrupt · 2 examples ran, 1 failed")
            ((:ok t :passed 0 :failed 0 :skipped 0 :examples []) "no docstring in this buffer has >>> examples" t))))
    (pcase-dolist (`(,result ,expected ,whole) cases)
      (let ((text (car (evalens-doctest-summary result whole))))
        (evalens-test-expect (equal text expected) "%S, not %S" text expected)))))

(evalens-test-step "doctest: a file with two docstrings with examples; their lenses say Run examples"
  (setq evalens-test-doctest (evalens-test-visit "doctests" "arith.py" evalens-test-doctest-source))
  (set-buffer evalens-test-doctest)
  (with-temp-file (expand-file-name "pyproject.toml" default-directory)
    (insert "[project]\nname = \"arith\"\n"))
  (evalens-test-connect)
  (evalens-test-expect (cl-typep (eglot-current-server) 'evalens-server) "server %S" (eglot-current-server))
  (evalens-test-expect
   (evalens-test-wait 10 (lambda () (equal (evalens-test-lenses)
                                           '((1 "Run all examples") (2 "Run examples") (15 "Run examples")))))
   "lenses %S" (evalens-test-lenses)))

(evalens-test-step "doctest: C-c . d tells the failure in the echo area; its diagnostic is on the >>> line"
  (set-buffer evalens-test-doctest)
  (let ((evalens-test-messages nil))
    (goto-char (evalens-test-line-pos 3))  ; in the docstring
    (evalens-test-doctest-press "C-c . d" #'evalens-doctest)
    (evalens-test-doctest-told "evalens: ✗ 1 of 3 failed · line 6: expected 16, got 15")
    (evalens-test-expect
     (evalens-test-wait 10 (lambda () (equal (evalens-test-doctest-diagnostics) "6: expected 16, got 15")))
     "diagnostics %S" (mapcar #'flymake-diagnostic-text eglot--diagnostics))
    (let ((diag (car eglot--diagnostics)))
      (evalens-test-expect (and (= (flymake-diagnostic-beg diag) (+ (evalens-test-line-pos 6) 4))
                                (eq (flymake-diagnostic-type diag) 'eglot-error))
                           "diagnostic at %S, %S" (flymake-diagnostic-beg diag) (flymake-diagnostic-type diag)))
    (evalens-test-expect (evalens-test-wait 10 (lambda () (equal (evalens-test-lens 2) "✗ 1 of 3 failed")))
                         "lenses %S" (evalens-test-lenses))
    (evalens-test-expect
     (string-suffix-p (concat "── examples arith.py:3\nline 6: >>> add(7, 8)\n  expected:\n    16\n  got:\n    15\n"
                              "✗ 1 of 3 failed · line 6: expected 16, got 15\n")
                      (evalens-test-output))
     "output %S" (evalens-test-output))))

(evalens-test-step "doctest: Update expected output through eglot-code-actions; then the examples pass"
  (set-buffer evalens-test-doctest)
  (let ((evalens-test-messages nil)
        (offered nil))
    (goto-char (+ (evalens-test-line-pos 6) 8))
    (cl-letf (((symbol-function 'completing-read)
               (lambda (_prompt collection &rest _)
                 (setq offered (mapcar #'car collection))
                 "Update expected output"))
              (last-nonmenu-event ?a))   ; a key, not a mouse click: the choice is read, not a menu
      (call-interactively #'eglot-code-actions))
    (evalens-test-expect (equal (evalens-test-doctest-lines 6 7) "    >>> add(7, 8)\n    15")
                         "offered %S; lines 6-7 %S" offered (evalens-test-doctest-lines 6 7))
    (dolist (title '("evalens: Run examples" "Update all expected output in this docstring"))
      (evalens-test-expect (member title offered) "offered %S" offered))
    (evalens-test-expect (equal (buffer-substring-no-properties (point-min) (point-max))
                                (concat (replace-regexp-in-string
                                         "    16" "    15" (string-join evalens-test-doctest-source "\n") t t)
                                        "\n"))
                         "buffer %S" (buffer-string))
    (evalens-test-expect (evalens-test-wait 10 (lambda () (equal (evalens-test-doctest-diagnostics) "")))
                         "the changed docstring's diagnostics stay: %S" (evalens-test-doctest-diagnostics))
    (evalens-test-doctest-press "C-c . d" #'evalens-doctest)
    (evalens-test-doctest-told "evalens: ✓ 3/3 examples passed")))

(evalens-test-step "doctest: C-c . u applies Update all expected output in this docstring"
  (set-buffer evalens-test-doctest)
  (let ((evalens-test-messages nil))
    (goto-char (evalens-test-line-pos 5))
    (delete-region (point) (line-end-position))
    (insert "    30")                     ; add(1, 2) expects 30
    (goto-char (evalens-test-line-pos 9))
    (delete-region (point) (line-end-position))
    (insert "    40")                     ; add(2, 2) expects 40
    (goto-char (evalens-test-line-pos 1))  ; the def line: its docstring
    (evalens-test-doctest-press "C-c . d" #'evalens-doctest)
    (evalens-test-doctest-told "evalens: ✗ 2 of 3 failed · line 4: expected 30, got 3 (+1 more)")
    (evalens-test-expect
     (evalens-test-wait 10 (lambda () (equal (evalens-test-doctest-diagnostics)
                                             "4: expected 30, got 3 | 8: expected 40, got 4")))
     "diagnostics %S" (evalens-test-doctest-diagnostics))
    (evalens-test-doctest-press "C-c . u" #'evalens-doctest-update)
    (evalens-test-doctest-told "evalens: updated the expected output of 2 examples")
    (evalens-test-expect (equal (evalens-test-doctest-lines 4 9)
                                "    >>> add(1, 2)\n    3\n    >>> add(7, 8)\n    15\n    >>> add(2, 2)\n    4")
                         "lines 4-9 %S" (evalens-test-doctest-lines 4 9))
    (evalens-test-doctest-press "C-c . d" #'evalens-doctest)
    (evalens-test-doctest-told "evalens: ✓ 3/3 examples passed")))

(evalens-test-step "doctest: the lens (C-c . l) and C-u C-c . d run here; a line in no docstring is told"
  (set-buffer evalens-test-doctest)
  (let ((evalens-test-messages nil))
    (goto-char (evalens-test-line-pos 17))
    (delete-region (point) (line-end-position))
    (insert "    10")                     ; square(3) expects 10
    (evalens-refresh-lenses)
    (evalens-test-expect (evalens-test-wait 10 (lambda () (equal (evalens-test-lens 15) "Run examples")))
                         "lenses %S" (evalens-test-lenses))
    (goto-char (evalens-test-line-pos 15))
    (evalens-test-doctest-press "C-c . l" #'evalens-run-lens)
    (evalens-test-doctest-told "evalens: ✗ 1 of 1 failed · line 16: expected 10, got 9")
    (evalens-test-doctest-press "C-c . d" #'evalens-doctest '(4))
    (evalens-test-doctest-told "evalens: ✗ 1 of 4 failed · line 16: expected 10, got 9")
    (goto-char (evalens-test-line-pos 22))
    (evalens-test-doctest-press "C-c . d" #'evalens-doctest)
    (evalens-test-doctest-told
     "evalens: line 22 is in no docstring with >>> examples; they start at lines 2, 15")
    (evalens-test-doctest-press "C-c . u" #'evalens-doctest-update)
    (evalens-test-doctest-told "evalens: line 22 is in no docstring with >>> examples")))

(evalens-test-step "doctest: no error escaped a server's process filter or sentinel"
  (evalens-test-expect (null evalens-test-escaped) "%s" (string-join (reverse evalens-test-escaped) "; ")))

;;; emacs_doctest_test.el ends here
