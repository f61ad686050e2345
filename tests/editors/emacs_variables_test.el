;;; emacs_variables_test.el --- The variables view in real batch Emacs with eglot  -*- lexical-binding: t; -*-

;; The `variables' scenario of emacs_test.el (EVALENS_SCENARIO=variables), loaded by it once
;; Emacs is set up by editors/emacs/README.md's Setup block, with its helpers
;; (`evalens-test-step', `evalens-test-expect', `evalens-test-wait', ...).
;;
;; After a run, `C-c . v' lists the module's variables in *evalens-variables*; RET expands
;; `numbers' into its items and collapses it; runs that rebind names refresh the view through
;; evalens/variablesChanged (an expanded entry expanded again from fresh refs, a deleted one
;; gone); `… 5 more' loads the next page; `a' lists every name; while code runs `g' is told
;; in one line and a RET takes effect when the run ends.

(require 'cl-lib)
(require 'subr-x)

(defvar evalens-test-variables-source
  '("numbers = [10, 20, 30]"                   ;  1
    "table = {\"a\": 1}"                       ;  2
    ""                                         ;  3
    ""                                         ;  4
    "def helper():"                            ;  5
    "    pass"                                 ;  6
    ""                                         ;  7
    ""                                         ;  8
    "def later():  # lines evaluated one by one" ;  9
    "    numbers = [10, 20, 30, 40]"           ; 10
    "    del table; big = list(range(105))"    ; 11
    "    while True: pass"))                   ; 12

(defvar evalens-test-variables nil "The buffer of session.py.")

(defun evalens-test-variables-press (keys command)
  "Press KEYS (as `kbd' reads them) in the current buffer; they must run COMMAND."
  (let ((bound (key-binding (kbd keys))))
    (evalens-test-expect (eq bound command) "%s runs %S, not %S" keys bound command)
    (call-interactively bound)))

(defun evalens-test-variables-lines ()
  "The rows *evalens-variables* shows, each without the padding at its end."
  (with-current-buffer "*evalens-variables*"
    (mapcar #'string-trim-right
            (split-string (buffer-substring-no-properties (point-min) (point-max)) "\n" t))))

(defun evalens-test-variables-shown (expected)
  "Wait until *evalens-variables* shows the rows EXPECTED."
  (evalens-test-expect (evalens-test-wait 10 (lambda () (equal (evalens-test-variables-lines) expected)))
                       "the view shows:\n%s\nnot:\n%s"
                       (string-join (evalens-test-variables-lines) "\n") (string-join expected "\n")))

(defun evalens-test-variables-eval (line)
  "Evaluate LINE of session.py with C-c . e, as a user does there."
  (with-current-buffer evalens-test-variables
    (goto-char (evalens-test-line-pos line))
    (evalens-test-variables-press "C-c . e" #'evalens-eval-region)))

(defun evalens-test-variables-row (text)
  "Put point on the row of *evalens-variables* that starts with TEXT."
  (set-buffer "*evalens-variables*")
  (goto-char (point-min))
  (evalens-test-expect (re-search-forward (concat "^" (regexp-quote text)) nil t) "no row %S" text)
  (beginning-of-line))

(defun evalens-test-variables-items (count)
  "The rows of the items 0..COUNT-1 of a list of ints under a list."
  (cl-loop for i below count collect (format "    %-26s%-17s%6s %d" i "int" "" i)))

(defconst evalens-test-variables-big
  (let ((full (concat "[" (mapconcat #'number-to-string (number-sequence 0 104) ", ") "]")))
    (concat (substring full 0 199) "…"))
  "list(range(105)) as the server cuts it: 200 characters, the last `…'.")

(defun evalens-test-variables-row-text (name type size value)
  (format "%-30s %-16s %6s %s" name type size value))

(evalens-test-step "variables: C-c . v after a run lists the module's variables"
  (setq evalens-test-variables (evalens-test-visit "variables" "session.py" evalens-test-variables-source))
  (set-buffer evalens-test-variables)
  (with-temp-file (expand-file-name "pyproject.toml" default-directory)
    (insert "[project]\nname = \"session\"\n"))
  (evalens-test-connect)
  (evalens-test-expect (cl-typep (eglot-current-server) 'evalens-server) "server %S" (eglot-current-server))
  (evalens-test-variables-eval 1)
  (evalens-test-expect (evalens-test-wait 10 (lambda () (equal (evalens-test-result 1) "✓")))
                       "line 1 shows %S" (evalens-test-result 1))
  (evalens-test-variables-press "C-c . v" #'evalens-variables)
  (evalens-test-expect (eq (window-buffer (selected-window)) (get-buffer "*evalens-variables*"))
                       "the selected window shows %S" (window-buffer (selected-window)))
  (evalens-test-variables-shown
   (list (evalens-test-variables-row-text "▸ numbers" "list" "3" "[10, 20, 30]")
         (evalens-test-variables-row-text "▸ table" "dict" "1" "{'a': 1}")))
  (evalens-test-expect (equal (with-current-buffer "*evalens-variables*" mode-line-process)
                              " session.py · 2 variables")
                       "mode line %S" (with-current-buffer "*evalens-variables*" mode-line-process)))

(evalens-test-step "variables: RET expands numbers into its items, and collapses it"
  (evalens-test-variables-row "▸ numbers")
  (evalens-test-variables-press "RET" #'evalens-variables-toggle)
  (evalens-test-variables-shown
   (list (evalens-test-variables-row-text "▾ numbers" "list" "3" "[10, 20, 30]")
         (evalens-test-variables-row-text "    0" "int" "" "10")
         (evalens-test-variables-row-text "    1" "int" "" "20")
         (evalens-test-variables-row-text "    2" "int" "" "30")
         (evalens-test-variables-row-text "▸ table" "dict" "1" "{'a': 1}")))
  (evalens-test-expect (looking-at "▾ numbers") "point is on %S" (buffer-substring (point) (line-end-position)))
  (evalens-test-variables-press "RET" #'evalens-variables-toggle)
  (evalens-test-variables-shown
   (list (evalens-test-variables-row-text "▸ numbers" "list" "3" "[10, 20, 30]")
         (evalens-test-variables-row-text "▸ table" "dict" "1" "{'a': 1}")))
  (evalens-test-variables-press "RET" #'evalens-variables-toggle)
  (evalens-test-expect (evalens-test-wait 10 (lambda () (= (length (evalens-test-variables-lines)) 5)))
                       "numbers is not expanded again: %S" (evalens-test-variables-lines))
  (evalens-test-variables-row "▸ table")
  (evalens-test-variables-press "RET" #'evalens-variables-toggle)
  (evalens-test-variables-shown
   (list (evalens-test-variables-row-text "▾ numbers" "list" "3" "[10, 20, 30]")
         (evalens-test-variables-row-text "    0" "int" "" "10")
         (evalens-test-variables-row-text "    1" "int" "" "20")
         (evalens-test-variables-row-text "    2" "int" "" "30")
         (evalens-test-variables-row-text "▾ table" "dict" "1" "{'a': 1}")
         (evalens-test-variables-row-text "    'a'" "int" "" "1"))))

(evalens-test-step "variables: a run that rebinds numbers refreshes the view (evalens/variablesChanged)"
  (evalens-test-variables-eval 10)
  (evalens-test-variables-shown
   (list (evalens-test-variables-row-text "▾ numbers" "list" "4" "[10, 20, 30, 40]")
         (evalens-test-variables-row-text "    0" "int" "" "10")
         (evalens-test-variables-row-text "    1" "int" "" "20")
         (evalens-test-variables-row-text "    2" "int" "" "30")
         (evalens-test-variables-row-text "    3" "int" "" "40")
         (evalens-test-variables-row-text "▾ table" "dict" "1" "{'a': 1}")
         (evalens-test-variables-row-text "    'a'" "int" "" "1")))
  (evalens-test-variables-eval 11)
  (evalens-test-variables-shown
   (list (evalens-test-variables-row-text "▸ big" "list" "105" evalens-test-variables-big)
         (evalens-test-variables-row-text "▾ numbers" "list" "4" "[10, 20, 30, 40]")
         (evalens-test-variables-row-text "    0" "int" "" "10")
         (evalens-test-variables-row-text "    1" "int" "" "20")
         (evalens-test-variables-row-text "    2" "int" "" "30")
         (evalens-test-variables-row-text "    3" "int" "" "40")))
  (evalens-test-expect (equal (with-current-buffer "*evalens-variables*" mode-line-process)
                              " session.py · 2 variables")
                       "mode line %S" (with-current-buffer "*evalens-variables*" mode-line-process)))

(evalens-test-step "variables: a long list shows a page and `… N more'; RET on it loads the next page"
  (evalens-test-variables-row "▾ numbers")
  (evalens-test-variables-press "RET" #'evalens-variables-toggle)
  (evalens-test-variables-row "▸ big")
  (evalens-test-variables-press "RET" #'evalens-variables-toggle)
  (evalens-test-variables-shown
   (append (list (evalens-test-variables-row-text "▾ big" "list" "105" evalens-test-variables-big))
           (mapcar (lambda (i) (evalens-test-variables-row-text (format "    %d" i) "int" "" (format "%d" i)))
                   (number-sequence 0 99))
           (list "    … 5 more"
                 (evalens-test-variables-row-text "▸ numbers" "list" "4" "[10, 20, 30, 40]"))))
  (evalens-test-variables-row "    … 5 more")
  (evalens-test-variables-press "RET" #'evalens-variables-toggle)
  (evalens-test-variables-shown
   (append (list (evalens-test-variables-row-text "▾ big" "list" "105" evalens-test-variables-big))
           (mapcar (lambda (i) (evalens-test-variables-row-text (format "    %d" i) "int" "" (format "%d" i)))
                   (number-sequence 0 104))
           (list (evalens-test-variables-row-text "▸ numbers" "list" "4" "[10, 20, 30, 40]"))))
  (evalens-test-variables-row "▾ big")
  (evalens-test-variables-press "RET" #'evalens-variables-toggle)
  (evalens-test-variables-shown
   (list (evalens-test-variables-row-text "▸ big" "list" "105" evalens-test-variables-big)
         (evalens-test-variables-row-text "▸ numbers" "list" "4" "[10, 20, 30, 40]"))))

(evalens-test-step "variables: `a' lists every name (functions, `_' names), `a' again variables only"
  (set-buffer "*evalens-variables*")
  (evalens-test-variables-press "a" #'evalens-variables-toggle-all)
  (evalens-test-expect (evalens-test-wait 10 (lambda () (equal mode-line-process
                                                               " session.py · 12 names (all)")))
                       "mode line %S; rows %S" mode-line-process (evalens-test-variables-lines))
  (let ((rows (mapcar (lambda (row) (replace-regexp-in-string " at 0x[0-9a-f]+>" " at 0x…>" row))
                      (evalens-test-variables-lines))))
    (dolist (row (list (evalens-test-variables-row-text "  __name__" "str" "7" "'session'")
                       (evalens-test-variables-row-text "  helper" "function" "" "<function helper at 0x…>")
                       (evalens-test-variables-row-text "  later" "function" "" "<function later at 0x…>")
                       (evalens-test-variables-row-text "▸ numbers" "list" "4" "[10, 20, 30, 40]")))
      (evalens-test-expect (member row rows) "no row %S in:\n%s" row (string-join rows "\n"))))
  (evalens-test-variables-press "a" #'evalens-variables-toggle-all)
  (evalens-test-variables-shown
   (list (evalens-test-variables-row-text "▸ big" "list" "105" evalens-test-variables-big)
         (evalens-test-variables-row-text "▸ numbers" "list" "4" "[10, 20, 30, 40]"))))

(evalens-test-step "variables: while code runs `g' says so in one line; RET then expands when the run ends"
  (let ((evalens-test-messages nil)
        (busy "evalens: the interpreter is busy running code; the variables view refreshes when it ends"))
    (evalens-test-variables-eval 12)
    (evalens-test-expect
     (evalens-test-wait 10 (lambda ()
                             (with-current-buffer "*evalens-variables*"
                               (evalens-test-variables-press "g" #'evalens-variables-refresh))
                             (evalens-test-wait 0.1 (lambda () (member busy evalens-test-messages)))))
     "messages %S" evalens-test-messages)
    (evalens-test-expect (equal (evalens-test-variables-lines)
                                (list (evalens-test-variables-row-text "▸ big" "list" "105" evalens-test-variables-big)
                                      (evalens-test-variables-row-text "▸ numbers" "list" "4" "[10, 20, 30, 40]")))
                         "the view changed: %S" (evalens-test-variables-lines))
    (evalens-test-variables-row "▸ numbers")
    (evalens-test-variables-press "RET" #'evalens-variables-toggle) ; refused too; expanded once the run ends
    (with-current-buffer evalens-test-variables (evalens-interrupt))
    (evalens-test-variables-shown
     (list (evalens-test-variables-row-text "▸ big" "list" "105" evalens-test-variables-big)
           (evalens-test-variables-row-text "▾ numbers" "list" "4" "[10, 20, 30, 40]")
           (evalens-test-variables-row-text "    0" "int" "" "10")
           (evalens-test-variables-row-text "    1" "int" "" "20")
           (evalens-test-variables-row-text "    2" "int" "" "30")
           (evalens-test-variables-row-text "    3" "int" "" "40")))
    (dolist (message evalens-test-messages)
      (evalens-test-expect (not (string-match-p "\n" message)) "a message of more than one line: %S" message))))

(evalens-test-step "variables: C-c . R empties the view (evalens/variablesChanged, reset)"
  (with-current-buffer evalens-test-variables
    (evalens-test-variables-press "C-c . R" #'evalens-restart))
  (evalens-test-variables-shown (list "(no variables)"))
  (evalens-test-expect (equal (with-current-buffer "*evalens-variables*" mode-line-process) " session.py · 0 variables")
                       "mode line %S" (with-current-buffer "*evalens-variables*" mode-line-process)))

(evalens-test-step "variables: no error escaped a server's process filter or sentinel"
  (evalens-test-expect (null evalens-test-escaped) "%s" (string-join (reverse evalens-test-escaped) "; ")))

;;; emacs_variables_test.el ends here
