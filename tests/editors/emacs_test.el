;;; emacs_test.el --- Drive evalens.el in real batch Emacs with eglot  -*- lexical-binding: t; -*-

;; PATH=<a folder with the `evalens' of `pipx install .'>:$PATH EVALENS_PLUGIN=editors/emacs \
;; EVALENS_WORKSPACE=/tmp/ws EVALENS_REPORT=/tmp/report.txt emacs --batch -l tests/editors/emacs_test.el
;;
;; Emacs is set up by evaluating the Setup block of editors/emacs/README.md as it is
;; written (the clone's path put in), so the server starts exactly as a user's does: the
;; `evalens' executable found on PATH.  Not -Q: Debian's site-start must run for eglot
;; to be found.  Each step appends "ok <step>" or "FAIL <step>: <detail>" to
;; EVALENS_REPORT; the exit code is 0 when every step passed.

(require 'cl-lib)
(require 'subr-x)

(defvar evalens-test-report (getenv "EVALENS_REPORT"))
(defvar evalens-test-fixture
  (expand-file-name "../fixtures/inline_results.json" (file-name-directory (or load-file-name buffer-file-name)))
  "The one-line text of Results every evalens client shows (tests/fixtures/inline_results.json).")
(defvar evalens-test-failed nil)
(defvar evalens-test-messages nil)

(defun evalens-test-log (format-string &rest args)
  (let ((line (apply #'format format-string args)))
    (with-temp-buffer
      (insert line "\n")
      (append-to-file (point-min) (point-max) evalens-test-report))))

(with-temp-file evalens-test-report (insert ""))

(advice-add 'message :around
            (lambda (orig &rest args)
              (when (car args)
                (push (apply #'format-message args) evalens-test-messages))
              (apply orig args)))

(defvar evalens-test-escaped nil
  "Errors that escaped a server's process filter or sentinel, newest first.
Emacs would print them and go on (\"error in process filter: ...\"), or, as
batch Emacs does here, end with a backtrace: kept here for a step to report.")

(defun evalens-test-record-escape (where orig &rest args)
  (condition-case err
      (apply orig args)
    (error (push (format "in the process %s: %s" where (error-message-string err)) evalens-test-escaped))))

(advice-add 'jsonrpc--process-filter :around (apply-partially #'evalens-test-record-escape "filter"))
(advice-add 'jsonrpc--process-sentinel :around (apply-partially #'evalens-test-record-escape "sentinel"))

(defun evalens-test-wait (seconds predicate)
  "Pump process output until PREDICATE is non-nil or SECONDS pass; return its value."
  (let ((value nil))
    (with-timeout (seconds nil)
      (while (not (setq value (ignore-errors (funcall predicate))))
        (accept-process-output nil 0.05)))
    value))

(defmacro evalens-test-step (name &rest body)
  (declare (indent 1))
  `(unless evalens-test-failed
     (let ((start (float-time)))
       (condition-case err
           (progn ,@body
                  (evalens-test-log "ok %s (%d ms)" ,name (round (* 1000 (- (float-time) start)))))
         (error
          (setq evalens-test-failed t)
          (evalens-test-log "FAIL %s: %s" ,name (error-message-string err))
          (evalens-test-log "  messages: %s" (string-join (reverse evalens-test-messages) " / "))
          (when (get-buffer "*evalens-output*")
            (evalens-test-log "  output: %s" (with-current-buffer "*evalens-output*" (buffer-string)))))))))

(defun evalens-test-expect (condition format-string &rest args)
  (unless condition
    (error "%s" (apply #'format format-string args))))

(defun evalens-test-output ()
  (if (get-buffer "*evalens-output*")
      (with-current-buffer "*evalens-output*" (buffer-substring-no-properties (point-min) (point-max)))
    ""))

(defun evalens-test-line-pos (line)
  (save-excursion (goto-char (point-min)) (forward-line (1- line)) (point)))

(defun evalens-test-result (line)
  (evalens-result-at (evalens-test-line-pos line)))

(defun evalens-test-face (line)
  "The face of the result shown on LINE of the current buffer."
  (when-let ((ov (cl-find-if (lambda (ov) (overlay-get ov 'evalens))
                             (overlays-in (evalens-test-line-pos line) (evalens-test-line-pos (1+ line))))))
    (get-text-property 0 'face (string-trim-left (overlay-get ov 'after-string)))))

(defun evalens-test-lenses ()
  "The lenses shown, (LINE TITLE) by line."
  (sort (evalens-lenses) (lambda (a b) (< (car a) (car b)))))

(defun evalens-test-lens (line)
  (cadr (assq line (evalens-lenses))))

(defvar evalens-test-source
  '("import time"                         ;  1
    ""                                    ;  2
    ""                                    ;  3
    "def double(x):"                      ;  4
    "    return 2 * x"                    ;  5
    ""                                    ;  6
    ""                                    ;  7
    "def main():"                         ;  8
    "    print(\"hello from main\")"      ;  9
    "    return double(21)"               ; 10
    ""                                    ; 11
    ""                                    ; 12
    "def boom():"                         ; 13
    "    return 1 / 0"                    ; 14
    ""                                    ; 15
    ""                                    ; 16
    "def spin():"                         ; 17
    "    while True:"                     ; 18
    "        pass"                        ; 19
    ""                                    ; 20
    ""                                    ; 21
    "total = double(21)"                  ; 22
    "a = 40"                              ; 23
    "a + 2"                               ; 24
    ""                                    ; 25
    ""                                    ; 26
    "class Counter:"                      ; 27
    "    @staticmethod"                   ; 28
    "    def double(x):"                  ; 29
    "        return 3 * x"                ; 30
    ""                                    ; 31
    ""                                    ; 32
    "if __name__ == \"__main__\":"        ; 33
    "    print(\"ran as main\")"))        ; 34

(defvar evalens-test-buffer nil)

(defvar evalens-test-plugin (file-name-as-directory (expand-file-name (getenv "EVALENS_PLUGIN"))))
(defvar evalens-test-clone (expand-file-name "../.." evalens-test-plugin) "The evalens clone.")
(defvar evalens-test-base (file-name-directory (directory-file-name (getenv "EVALENS_WORKSPACE")))
  "The folder of the workspaces.")

(defun evalens-test-readme-setup ()
  "The first elisp block of editors/emacs/README.md's Setup section, as the user has it."
  (with-temp-buffer
    (let ((coding-system-for-read 'utf-8))
      (insert-file-contents (expand-file-name "README.md" evalens-test-plugin)))
    (goto-char (point-min))
    (re-search-forward "^## Setup")
    (re-search-forward "^```elisp\n")
    (let ((start (point)))
      (re-search-forward "^```$")
      (buffer-substring-no-properties start (match-beginning 0)))))

(defun evalens-test-ended (server)
  "Non-nil once SERVER's process has ended and its sentinel has run.
`process-live-p' turns nil as soon as Emacs reaps the process (a signal
handler), before the sentinel runs: waiting for that alone lets the
sentinel run, and say what it says, during the next step."
  (let ((process (jsonrpc--process server)))
    (and (not (process-live-p process)) (process-get process 'jsonrpc-sentinel-cleanup-started))))

(defun evalens-test-connect ()
  "What follows the command that opened a file: `post-command-hook' (batch has no command loop)."
  (run-hooks 'post-command-hook))

(defun evalens-test-visit (folder name lines)
  "Write LINES to FOLDER/NAME (under the workspaces' folder) and visit it, as `find-file' does."
  (let* ((dir (file-name-as-directory (expand-file-name folder evalens-test-base)))
         (path (expand-file-name name dir)))
    (make-directory dir t)
    (with-temp-file path (insert (string-join lines "\n") "\n"))
    (find-file path)))

(evalens-test-step "load evalens.el with the README's Setup, taken literally"
  (let ((setup (evalens-test-readme-setup)))
    (evalens-test-expect (string-match-p "/path/to/evalens/editors/emacs" setup) "setup %S" setup)
    (evalens-test-expect (not (string-match-p "evalens-command" (replace-regexp-in-string ";.*" "" setup)))
                         "the README's setup sets evalens-command: %S" setup)
    (eval (car (read-from-string
                (concat "(progn "
                        (replace-regexp-in-string "/path/to/evalens" evalens-test-clone setup t t)
                        ")")))
          t))
  (evalens-test-expect (featurep 'evalens) "evalens is not loaded")
  (evalens-test-expect (equal evalens-command '("evalens")) "evalens-command %S" evalens-command)
  (evalens-test-expect (eq evalens-trusted t) "evalens-trusted %S" evalens-trusted)
  (evalens-test-expect (memq #'evalens-mode python-mode-hook) "python-mode-hook %S" python-mode-hook)
  (setq eglot-sync-connect t
        eglot-autoshutdown t))

;; Stop the servers as a client should (shutdown, exit) and wait for them to end, so that
;; they and their interpreters are gone before Emacs exits.  (`eglot-shutdown' kills the
;; process in eglot 1.9, and its sentinel then fails in batch mode.)  Then exit: 0 when every
;; step passed.
(defun evalens-test-finish ()
  (dolist (server (ignore-errors (evalens--servers)))
    (ignore-errors
      (setf (eglot--shutdown-requested server) t)
      (jsonrpc-request server :shutdown nil :timeout 5)
      (jsonrpc-notify server :exit nil)
      (evalens-test-wait 5 (lambda () (evalens-test-ended server)))))
  (kill-emacs (if evalens-test-failed 1 0)))

;; EVALENS_SCENARIO=doctest: docstring examples only (emacs_doctest_test.el), then exit.
(when (equal (getenv "EVALENS_SCENARIO") "doctest")
  (load (expand-file-name "emacs_doctest_test.el" (file-name-directory (or load-file-name buffer-file-name))) nil t)
  (evalens-test-finish))

;; EVALENS_SCENARIO=variables: the variables view only (emacs_variables_test.el), then exit.
(when (equal (getenv "EVALENS_SCENARIO") "variables")
  (load (expand-file-name "emacs_variables_test.el" (file-name-directory (or load-file-name buffer-file-name))) nil t)
  (evalens-test-finish))

(defconst evalens-test-install-hint
  "Install it: pipx install . in the evalens clone, or set evalens-command.")

(evalens-test-step "no evalens on exec-path: the message says so and how to install it"
  (let ((exec-path (list (expand-file-name "no-programs" evalens-test-base)))
        (evalens-test-messages nil))
    (with-current-buffer (evalens-test-visit "missing" "m.py" '("x = 1"))
      (evalens-test-connect)
      (evalens-test-expect (not (eglot-managed-p)) "managed by %S" (eglot-current-server))
      (evalens-test-expect
       (equal (car evalens-test-messages)
              (concat "evalens: cannot start the server: evalens is not on exec-path\n"
                      evalens-test-install-hint))
       "messages %S" evalens-test-messages)
      (kill-buffer))))

;; Batch Emacs leaves SIGPIPE at its default (an interactive one ignores it): eglot writing
;; `initialize' into the pipe of a process that has just exited, before Emacs has reaped it,
;; would end this Emacs (exit status -13, seen about once in 40 runs).  A child given the
;; server's stdin keeps that pipe open for two seconds, and the server still exits at once.
(evalens-test-step "a server that exits at once: its stderr and the fix, not \"-1: Server died\""
  (let ((evalens-command '("sh" "-c" "exec 3<&0; sleep 2 <&3 >/dev/null 2>&1 & \
echo 'Traceback (most recent call last):' >&2; \
echo 'ModuleNotFoundError: No module named evalens' >&2; exit 1"))
        (evalens-test-messages nil))
    (with-current-buffer (evalens-test-visit "died" "d.py" '("x = 1"))
      (evalens-test-connect)
      (evalens-test-expect (not (eglot-managed-p)) "managed by %S" (eglot-current-server))
      (evalens-test-expect
       (equal (car evalens-test-messages)
              (concat "evalens: the server exited with code 1:\n"
                      "  Traceback (most recent call last):\n"
                      "  ModuleNotFoundError: No module named evalens\n"
                      evalens-test-install-hint))
       "messages %S" evalens-test-messages)
      (evalens-test-expect (not (cl-some (lambda (m) (string-match-p "Server died" m)) evalens-test-messages))
                           "messages %S" evalens-test-messages)
      (kill-buffer))))

(evalens-test-step "a server that dies while eglot waits for its answer: the same"
  (let ((evalens-command '("sh" "-c" "read -r line; echo 'evalens: cannot import jedi' >&2; exit 3"))
        (evalens-test-messages nil))
    (with-current-buffer (evalens-test-visit "died-later" "d.py" '("x = 1"))
      (evalens-test-connect)
      (evalens-test-expect (not (eglot-managed-p)) "managed by %S" (eglot-current-server))
      (evalens-test-expect
       (equal (car evalens-test-messages)
              (concat "evalens: the server exited with code 3:\n"
                      "  evalens: cannot import jedi\n"
                      evalens-test-install-hint))
       "messages %S" evalens-test-messages)
      (evalens-test-expect (not (cl-some (lambda (m) (string-match-p "Server died" m)) evalens-test-messages))
                           "messages %S" evalens-test-messages)
      (kill-buffer))))

(evalens-test-step "a Result in one line, as tests/fixtures/inline_results.json says"
  (let* ((fixture (with-temp-buffer
                    (let ((coding-system-for-read 'utf-8))
                      (insert-file-contents evalens-test-fixture))
                    (json-parse-buffer :object-type 'plist :array-type 'list
                                       :null-object nil :false-object :json-false)))
         (cases (plist-get fixture :cases))
         (wrong nil))
    (evalens-test-expect cases "no cases in %s" evalens-test-fixture)
    (dolist (case cases)
      (let* ((evalens-max-width (plist-get case :limit))
             (text (car (evalens-describe (plist-get case :result)))))
        (unless (equal text (plist-get case :inline))
          (push (format "%s: %S, expected %S" (plist-get case :name) text (plist-get case :inline)) wrong))))
    (evalens-test-expect (null wrong) "%s" (string-join (nreverse wrong) "; "))))

(evalens-test-step "open a file: eglot starts evalens"
  (let* ((workspace (file-name-as-directory (getenv "EVALENS_WORKSPACE")))
         (path (expand-file-name "main.py" workspace)))
    (make-directory workspace t)
    (with-temp-file (expand-file-name "pyproject.toml" workspace)
      (insert "[project]\nname = \"demo\"\n"))
    (with-temp-file path
      (insert (string-join evalens-test-source "\n") "\n"))
    (setq evalens-test-buffer (find-file path))
    (set-buffer evalens-test-buffer)
    (evalens-test-expect (eq major-mode 'python-mode) "major mode %s" major-mode)
    (evalens-test-expect evalens-mode "evalens-mode is off")
    (evalens-test-connect)
    (evalens-test-expect (cl-typep (eglot-current-server) 'evalens-server)
                         "server %S" (eglot-current-server))))

(evalens-test-step "code lenses are shown on open, without a save"
  (set-buffer evalens-test-buffer)
  (evalens-test-expect (not (buffer-modified-p)) "main.py is modified")
  (evalens-test-expect
   (evalens-test-wait 10 (lambda () (equal (evalens-test-lenses)
                                           '((8 "▶ main()") (13 "▶ boom()") (17 "▶ spin()")))))
   "lenses %S" (evalens-test-lenses)))

(evalens-test-step "eval a region: the value as an overlay after it"
  (set-buffer evalens-test-buffer)
  (evalens-eval-region (evalens-test-line-pos 23) (evalens-test-line-pos 25))
  (evalens-test-expect (evalens-test-wait 10 (lambda () (equal (evalens-test-result 24) "⇒ 42")))
                       "line 24 shows %S" (evalens-test-result 24))
  (let ((ov (cl-find-if (lambda (ov) (overlay-get ov 'evalens))
                        (overlays-in (evalens-test-line-pos 24) (evalens-test-line-pos 25)))))
    (evalens-test-expect (string-match-p "⇒ 42" (overlay-get ov 'after-string))
                         "after-string %S" (overlay-get ov 'after-string))))

(evalens-test-step "eval part of a line (an active region)"
  (set-buffer evalens-test-buffer)
  (goto-char (evalens-test-line-pos 22))
  (search-forward "double")
  (set-mark (match-beginning 0))
  (goto-char (line-end-position))
  (activate-mark)
  (call-interactively #'evalens-eval-region)
  (evalens-test-expect (evalens-test-wait 10 (lambda () (equal (evalens-test-result 22) "⇒ 42")))
                       "line 22 shows %S" (evalens-test-result 22)))

(evalens-test-step "eval the current line: an error in the error face"
  (set-buffer evalens-test-buffer)
  (deactivate-mark)
  (goto-char (evalens-test-line-pos 5))
  (call-interactively #'evalens-eval-region)
  (evalens-test-expect (evalens-test-wait 10 (lambda () (string-prefix-p "✗ SyntaxError" (evalens-test-result 5))))
                       "line 5 shows %S" (evalens-test-result 5))
  (let ((ov (cl-find-if (lambda (ov) (overlay-get ov 'evalens))
                        (overlays-in (evalens-test-line-pos 5) (evalens-test-line-pos 6)))))
    (evalens-test-expect (eq (get-text-property 0 'face (string-trim-left (overlay-get ov 'after-string)))
                             'evalens-error-face)
                         "face %S" (overlay-get ov 'after-string))))

(evalens-test-step "run a lens: output in *evalens-output*, the lens title shows the value"
  (set-buffer evalens-test-buffer)
  (goto-char (evalens-test-line-pos 8))
  (call-interactively #'evalens-run-lens)
  (evalens-test-expect (evalens-test-wait 10 (lambda () (equal (evalens-test-lens 8) "▶ main() ⇒ 42")))
                       "lenses %S" (evalens-lenses))
  (evalens-test-expect (string-match-p "hello from main" (evalens-test-output))
                       "output %S" (evalens-test-output)))

(evalens-test-step "call with arguments: the value after the def line"
  (set-buffer evalens-test-buffer)
  (evalens-call "double" "21")
  (evalens-test-expect (evalens-test-wait 10 (lambda () (equal (evalens-test-result 4) "⇒ 42")))
                       "line 4 shows %S" (evalens-test-result 4)))

(evalens-test-step "call a method: the value after its def line (the server's document symbols)"
  (set-buffer evalens-test-buffer)
  (goto-char (point-min))
  ;; Counter.double, not the top-level double of line 4
  (evalens-call "Counter.double" "14")
  (evalens-test-expect (evalens-test-wait 10 (lambda () (equal (evalens-test-result 29) "⇒ 42")))
                       "line 29 shows %S" (evalens-test-result 29)))

(evalens-test-step "evalens-call completes the top-level functions (the server's document symbols)"
  (set-buffer evalens-test-buffer)
  (let ((names (evalens--function-names)))
    (evalens-test-expect (equal names '("double" "main" "boom" "spin")) "names %S" names)))

(evalens-test-step "an error: a diagnostic on its line, the traceback in the output"
  (set-buffer evalens-test-buffer)
  (evalens-call "boom")
  (evalens-test-expect
   (evalens-test-wait 10 (lambda () (equal (evalens-test-lens 13) "▶ boom() ⇒ ZeroDivisionError: division by zero")))
   "lenses %S" (evalens-lenses))
  (evalens-test-expect
   (evalens-test-wait
    10 (lambda ()
         (cl-some (lambda (diag)
                    (and (= (line-number-at-pos (flymake-diagnostic-beg diag)) 14)
                         (string-match-p "ZeroDivisionError" (flymake-diagnostic-text diag))))
                  eglot--diagnostics)))
   "diagnostics %S" (mapcar #'flymake-diagnostic-text eglot--diagnostics))
  (evalens-test-expect (string-match-p "Traceback" (evalens-test-output)) "output %S" (evalens-test-output)))

(evalens-test-step "interrupt an infinite loop"
  (set-buffer evalens-test-buffer)
  (evalens-eval-region (evalens-test-line-pos 18) (evalens-test-line-pos 20))
  (evalens-test-expect (equal (evalens-test-result 19) "⋯") "line 19 shows %S" (evalens-test-result 19))
  (let (state)
    (evalens-test-expect
     (evalens-test-wait 5 (lambda ()
                            (setq state nil)
                            (evalens-execute (evalens--command 'status) (make-hash-table)
                                             (lambda (result) (setq state (plist-get result :state))))
                            (evalens-test-wait 1 (lambda () state))
                            (equal state "busy")))
     "state %S" state))
  (evalens-interrupt)
  (evalens-test-expect
   (evalens-test-wait 8 (lambda () (equal (evalens-test-result 19) "✗ KeyboardInterrupt")))
   "line 19 shows %S" (evalens-test-result 19))
  ;; Not an error in the code: a neutral face, not the error face.
  (evalens-test-expect (eq (evalens-test-face 19) 'evalens-interrupted-face) "face %S" (evalens-test-face 19))
  (evalens-test-expect (evalens-test-wait 2 (lambda () (member "evalens: interrupted" evalens-test-messages)))
                       "messages %S" evalens-test-messages))

(evalens-test-step "the session survives the interrupt"
  (set-buffer evalens-test-buffer)
  (remove-overlays (evalens-test-line-pos 24) (evalens-test-line-pos 25) 'evalens t)
  (evalens-eval-region (evalens-test-line-pos 24) (evalens-test-line-pos 25))
  (evalens-test-expect (evalens-test-wait 10 (lambda () (equal (evalens-test-result 24) "⇒ 42")))
                       "line 24 shows %S" (evalens-test-result 24)))

;; The user story of stale results, in a second buffer: a loop builds up a counter and is
;; interrupted; an unrelated function is edited (not saved) and called; the counter keeps its
;; value and its old result is shown stale, in every buffer, until it runs again.
(defvar evalens-test-story nil)
(defvar evalens-test-counted nil "The counter's value after the loop was interrupted.")

(defvar evalens-test-story-source
  '("counter = 0"                         ;  1
    ""                                    ;  2
    ""                                    ;  3
    "def spin():"                         ;  4
    "    global counter"                  ;  5
    "    while True:"                     ;  6
    "        counter += 1"                ;  7
    ""                                    ;  8
    ""                                    ;  9
    "def other():"                        ; 10
    "    return 1"))                      ; 11

(defun evalens-test-eval-counter ()
  "Evaluate `counter' (the word on line 1) as an active region."
  (deactivate-mark)
  (goto-char (evalens-test-line-pos 1))
  (set-mark (point))
  (forward-word)
  (activate-mark)
  (call-interactively #'evalens-eval-region))

(evalens-test-step "story: run spin() from its lens, evalens-interrupt ends the loop with KeyboardInterrupt"
  (let ((path (expand-file-name "story.py" (getenv "EVALENS_WORKSPACE"))))
    (with-temp-file path
      (insert (string-join evalens-test-story-source "\n") "\n"))
    (setq evalens-test-story (find-file path))
    (set-buffer evalens-test-story)
    (unless (eglot-managed-p)
      (apply #'eglot (eglot--guess-contact)))
    (evalens-test-expect (cl-typep (eglot-current-server) 'evalens-server)
                         "server %S" (eglot-current-server)))
  (evalens-refresh-lenses)
  (evalens-test-expect (evalens-test-wait 10 (lambda () (equal (evalens-test-lens 4) "▶ spin()")))
                       "lenses %S" (evalens-lenses))
  (goto-char (evalens-test-line-pos 4))
  (call-interactively #'evalens-run-lens)
  (let (state)
    (evalens-test-expect
     (evalens-test-wait 5 (lambda ()
                            (setq state nil)
                            (evalens-execute (evalens--command 'status) (make-hash-table)
                                             (lambda (result) (setq state (plist-get result :state))))
                            (evalens-test-wait 1 (lambda () state))
                            (equal state "busy")))
     "state %S" state))
  (evalens-test-wait 0.5 #'ignore)
  (evalens-interrupt)
  (evalens-test-expect
   (evalens-test-wait 8 (lambda () (equal (evalens-test-lens 4) "▶ spin() ⇒ KeyboardInterrupt")))
   "lenses %S" (evalens-lenses)))

(evalens-test-step "story: evaluate `counter' (a region): the value the loop reached"
  (set-buffer evalens-test-story)
  (evalens-test-eval-counter)
  (evalens-test-expect
   (evalens-test-wait 10 (lambda () (string-match "\\`⇒ \\([0-9]+\\)\\'" (evalens-test-result 1))))
   "line 1 shows %S" (evalens-test-result 1))
  (let ((text (evalens-test-result 1)))
    (string-match "\\`⇒ \\([0-9]+\\)\\'" text)
    (setq evalens-test-counted (string-to-number (match-string 1 text))))
  (evalens-test-expect (> evalens-test-counted 0) "the loop did not count: %S" (evalens-test-result 1))
  (evalens-test-log "  the counter reached %d" evalens-test-counted))

(evalens-test-step "story: edit other() without saving and call it: the new value; the old results go stale"
  (set-buffer evalens-test-story)
  (deactivate-mark)
  (goto-char (evalens-test-line-pos 11))
  (end-of-line)
  (delete-char -1)
  (insert "2")                          ; return 1 -> return 2
  (evalens-test-expect (buffer-modified-p) "story.py is not modified")
  (evalens-call "other")
  (evalens-test-expect
   (evalens-test-wait 10 (lambda () (or (equal (evalens-test-lens 10) "▶ other() ⇒ 2")
                                         (equal (evalens-test-result 10) "⇒ 2"))))
   "lenses %S, line 10 shows %S" (evalens-lenses) (evalens-test-result 10))
  (let ((stale (format "⇒ %d (stale)" evalens-test-counted)))
    (evalens-test-expect (equal (evalens-test-result 1) stale) "line 1 shows %S" (evalens-test-result 1))
    (evalens-test-expect (eq (evalens-test-face 1) 'evalens-stale-face) "face %S" (evalens-test-face 1)))
  ;; Every buffer: main.py's `a + 2' result too.
  (with-current-buffer evalens-test-buffer
    (evalens-test-expect (equal (evalens-test-result 24) "⇒ 42 (stale)") "main.py line 24 shows %S"
                         (evalens-test-result 24)))
  ;; The server marks its lens titles the same way.
  (evalens-test-expect
   (evalens-test-wait 5 (lambda () (equal (evalens-test-lens 4) "▶ spin() ⇒ KeyboardInterrupt (stale)")))
   "lenses %S" (evalens-lenses)))

(evalens-test-step "story: the counter kept its value; evaluated again, its result is fresh"
  (set-buffer evalens-test-story)
  (evalens-test-eval-counter)
  (evalens-test-expect
   (evalens-test-wait 10 (lambda () (equal (evalens-test-result 1) (format "⇒ %d" evalens-test-counted))))
   "line 1 shows %S" (evalens-test-result 1))
  (evalens-test-expect (eq (evalens-test-face 1) 'evalens-value-face) "face %S" (evalens-test-face 1)))

(evalens-test-step "an edit: the lenses shown stay, moved with the text, until the new ones arrive"
  (set-buffer evalens-test-story)
  (let* ((before (evalens-test-lenses))
         (moved (mapcar (lambda (lens) (cons (+ 2 (car lens)) (cdr lens))) before))
         (updates evalens--lens-updates)
         (seen nil))
    (evalens-test-expect (equal (mapcar #'car before) '(4 10)) "lenses %S" before)
    (goto-char (point-min))
    (insert "# two new lines\n\n")
    (evalens-test-expect (equal (evalens-test-lenses) moved) "right after the edit: %S" (evalens-test-lenses))
    ;; Every moment until the server's answer is shown: the same lenses, moved.
    (evalens-test-expect
     (evalens-test-wait 10 (lambda ()
                             (unless (equal (evalens-test-lenses) moved)
                               (push (evalens-test-lenses) seen))
                             (> evalens--lens-updates updates)))
     "no new lenses; lenses %S" (evalens-test-lenses))
    (evalens-test-expect (null seen) "while waiting: %S" seen)
    (evalens-test-expect (equal (evalens-test-lenses) moved) "the new lenses %S, expected %S"
                         (evalens-test-lenses) moved)
    ;; A function typed in gets its lens once the edits pause, without a save.
    (goto-char (point-max))
    (insert "\n\ndef typed():\n    return 7\n")
    (evalens-test-expect
     (evalens-test-wait 10 (lambda () (equal (evalens-test-lens 16) "▶ typed()")))
     "lenses %S" (evalens-test-lenses))
    (evalens-test-expect (buffer-modified-p) "story.py was saved")))

;; A function imported from another file: its result goes where it is defined when that file
;; is visible, else to the echo area and *evalens-output*, never on the line of point.
(defvar evalens-test-app nil)
(defvar evalens-test-lib-path nil)

(evalens-test-step "call an imported function, its file not open: the echo area and the output"
  (let ((workspace (getenv "EVALENS_WORKSPACE")))
    (with-temp-file (setq evalens-test-lib-path (expand-file-name "lib.py" workspace))
      (insert "def countdown(n):\n    while n:\n        n -= 1\n    return 'liftoff'\n"))
    (setq evalens-test-app (evalens-test-visit "workspace" "app.py"
                                               '("from lib import countdown"   ; 1
                                                 ""                            ; 2
                                                 ""                            ; 3
                                                 "def main():"                 ; 4
                                                 "    return countdown(2)"))))  ; 5
  (set-buffer evalens-test-app)
  (evalens-test-connect)
  (evalens-test-expect (eglot-managed-p) "app.py is not managed")
  (goto-char (evalens-test-line-pos 5))
  (let ((evalens-test-messages nil))
    (evalens-call "countdown" "3")
    (evalens-test-expect
     (evalens-test-wait 10 (lambda () (member "evalens: countdown(3) ⇒ 'liftoff'" evalens-test-messages)))
     "messages %S" evalens-test-messages))
  (evalens-test-expect (null (cl-remove-if-not (lambda (ov) (overlay-get ov 'evalens))
                                               (overlays-in (point-min) (point-max))))
                       "app.py shows %S" (evalens-test-result 5))
  (evalens-test-expect (string-suffix-p "── call countdown(3)\n⇒ 'liftoff'\n" (evalens-test-output))
                       "output %S" (evalens-test-output)))

(evalens-test-step "where a call's target is shown (the Result's target: uri and 0-based def line)"
  (set-buffer evalens-test-app)
  (let* ((lib (find-file-noselect evalens-test-lib-path))
         (uri (with-current-buffer lib (evalens--uri)))
         (result (list :ok t :value '(:repr "1" :type "int") :target (list :uri uri :line 0))))
    (evalens-test-expect (null (get-buffer-window lib 'visible)) "lib.py is visible")
    (evalens-test-expect (null (evalens--place evalens-test-app result t nil)) "shown in lib.py though not visible")
    (evalens-test-expect (null (evalens--place evalens-test-app '(:ok t :target nil) t (copy-marker 1)))
                         "a null target is shown in the buffer")
    (set-window-buffer (split-window) lib)
    (evalens-test-expect (equal (evalens--place evalens-test-app result t nil) (cons lib 1))
                         "place %S" (evalens--place evalens-test-app result t nil))
    ;; An older server, no target: the buffer's own document symbols (the marker given).
    (let ((marker (with-current-buffer evalens-test-app (copy-marker (evalens-test-line-pos 4)))))
      (evalens-test-expect (equal (evalens--place evalens-test-app '(:ok t) t marker)
                                  (cons evalens-test-app (marker-position marker)))
                           "place %S" (evalens--place evalens-test-app '(:ok t) t marker)))))

(evalens-test-step "call an imported function, its file visible: the value after its def line there"
  (set-buffer evalens-test-app)
  (let ((lib (find-buffer-visiting evalens-test-lib-path)))
    (evalens-test-expect (get-buffer-window lib 'visible) "lib.py is not visible")
    (goto-char (evalens-test-line-pos 5))
    (evalens-call "countdown" "4")
    (evalens-test-expect (evalens-test-wait 10 (lambda () (eq (plist-get evalens-last-result :ok) t)))
                         "result %S" evalens-last-result)
    (evalens-test-expect (equal (plist-get (plist-get evalens-last-result :target) :line) 0)
                         "target %S" (plist-get evalens-last-result :target))
    (evalens-test-expect
     (evalens-test-wait 10 (lambda () (with-current-buffer lib (equal (evalens-test-result 1) "⇒ 'liftoff'"))))
     "lib.py line 1 shows %S; result %S" (with-current-buffer lib (evalens-test-result 1)) evalens-last-result)
    (evalens-test-expect (null (evalens-test-result 5)) "app.py line 5 shows %S" (evalens-test-result 5))
    (delete-other-windows)))

(evalens-test-step "workspace/codeLens/refresh: the server asks (refreshSupport declared), the lenses are asked again"
  (set-buffer evalens-test-buffer)
  (let ((server (eglot-current-server))
        (updates evalens--lens-updates))
    (evalens-test-expect
     (with-current-buffer (jsonrpc-events-buffer server)
       (save-excursion (goto-char (point-min)) (search-forward "workspace/codeLens/refresh" nil t)))
     "the server never sent workspace/codeLens/refresh")
    (evalens-test-expect (null (eglot-handle-request server 'workspace/codeLens/refresh)) "not answered null")
    (evalens-test-expect (evalens-test-wait 10 (lambda () (> evalens--lens-updates updates)))
                         "lenses not asked again")))

(evalens-test-step "run the module as __main__"
  (set-buffer evalens-test-buffer)
  (evalens-run-module)
  (evalens-test-expect (evalens-test-wait 10 (lambda () (string-match-p "ran as main" (evalens-test-output))))
                       "output %S" (evalens-test-output)))

(evalens-test-step "restart"
  (set-buffer evalens-test-buffer)
  (evalens-restart)
  (evalens-test-expect
   (evalens-test-wait 10 (lambda () (cl-some (lambda (m) (string-prefix-p "evalens: interpreter restarted" m))
                                             evalens-test-messages)))
   "messages %S" evalens-test-messages)
  (evalens-test-expect (null (evalens-test-result 24)) "results not cleared"))

;; Cells (`# %%'): a file typed in and never saved, with three cells, one of them prose,
;; and a `# %%' inside a string that is no marker.  Keys are pressed as a user presses
;; them: the command they run in the buffer.
(defvar evalens-test-cells nil)

(defvar evalens-test-cells-source
  '("total = 'before the first cell: run by no cell'"    ;  1
    ""                                                   ;  2
    "# %% Setup"                                         ;  3
    "import time"                                        ;  4
    "rows = [3, 1, 2]"                                   ;  5
    "text = '''"                                         ;  6
    "# %% a marker in a string is none"                  ;  7
    "'''"                                                ;  8
    "print('loaded', len(rows))"                         ;  9
    "len(rows)"                                          ; 10
    ""                                                   ; 11
    "# %% [markdown]"                                    ; 12
    "# Prose, not code: 1 / 0"                           ; 13
    "# %% Total"                                         ; 14
    "time.sleep(0.5)"                                    ; 15
    "sum(rows) * 2"))                                    ; 16

(defun evalens-test-key (keys command)
  "Press KEYS (as `kbd' reads them) in the current buffer; they must run COMMAND."
  (let ((bound (key-binding (kbd keys))))
    (evalens-test-expect (eq bound command) "%s runs %S, not %S" keys bound command)
    (call-interactively bound)))

(evalens-test-step "cells: a file typed in, never saved: the server's cells, their lenses"
  (setq evalens-test-cells (find-file (expand-file-name "cells_demo.py" (getenv "EVALENS_WORKSPACE"))))
  (set-buffer evalens-test-cells)
  (evalens-test-connect)
  (evalens-test-expect (eglot-managed-p) "cells_demo.py is not managed")
  (insert (string-join evalens-test-cells-source "\n") "\n")
  (evalens-test-expect (and (buffer-modified-p) (not (file-exists-p buffer-file-name))) "cells_demo.py was saved")
  (let ((cells (evalens-cells)))
    (evalens-test-expect (equal cells '((2 10 "Setup" nil) (11 12 "Cell 2" t) (13 15 "Total" nil)))
                         "cells %S" cells))
  ;; A code cell's three lenses share the line above its marker; the prose has none.
  (let ((titles "Run cell | Run above | Run below"))
    (evalens-test-expect
     (evalens-test-wait 10 (lambda () (equal (evalens-test-lenses) `((3 ,titles) (14 ,titles)))))
     "lenses %S" (evalens-test-lenses))))

(evalens-test-step "cells: C-c . n and C-c . p move between the markers, not to the one in a string"
  (set-buffer evalens-test-cells)
  (goto-char (point-min))
  (let ((evalens-test-messages nil)
        (down nil)
        (up nil))
    (dotimes (_ 4)
      (evalens-test-key "C-c . n" #'evalens-next-cell)
      (push (line-number-at-pos) down))
    (evalens-test-expect (equal (reverse down) '(3 12 14 14)) "C-c . n went to lines %S" (reverse down))
    (evalens-test-expect (equal (car evalens-test-messages) "evalens: no cell below") "messages %S" evalens-test-messages)
    (dotimes (_ 3)
      (evalens-test-key "C-c . p" #'evalens-previous-cell)
      (push (line-number-at-pos) up))
    (evalens-test-expect (equal (reverse up) '(12 3 3)) "C-c . p went to lines %S" (reverse up))
    (evalens-test-expect (equal (car evalens-test-messages) "evalens: no cell above") "messages %S" evalens-test-messages)
    (evalens-test-expect (bolp) "point is not at the start of the marker line")))

(evalens-test-step "cells: C-c . . runs the cell at point: its value after its last line, its output; in no cell, one line says so"
  (set-buffer evalens-test-cells)
  (goto-char (evalens-test-line-pos 6))  ; inside the cell's string
  (evalens-test-key "C-c . ." #'evalens-run-cell)
  (evalens-test-expect (equal (evalens-test-result 10) "⋯") "line 10 shows %S" (evalens-test-result 10))
  (evalens-test-expect (evalens-test-wait 10 (lambda () (and (null evalens--cell-runs)
                                                              (equal (evalens-test-result 10) "⇒ 3"))))
                       "line 10 shows %S" (evalens-test-result 10))
  (evalens-test-expect (eq (evalens-test-face 10) 'evalens-value-face) "face %S" (evalens-test-face 10))
  (evalens-test-expect (string-suffix-p "── cell cells_demo.py:6\nloaded 3\n" (evalens-test-output))
                       "output %S" (evalens-test-output))
  (let ((evalens-test-messages nil)
        (told "evalens: line 1 is in no cell; the first cell starts at line 3"))
    (goto-char (point-min))
    (evalens-test-key "C-c . ." #'evalens-run-cell)
    (evalens-test-expect (evalens-test-wait 10 (lambda () (member told evalens-test-messages)))
                         "messages %S" evalens-test-messages)
    (evalens-test-expect (null (evalens-test-result 1)) "line 1 shows %S" (evalens-test-result 1))
    (evalens-test-expect (null evalens--cell-runs) "runs left %S" evalens--cell-runs)))

(evalens-test-step "cells: C-c . b from the first runs it and the rest, each shown as it ends, its last result replaced"
  (set-buffer evalens-test-cells)
  ;; A line added at the end of the first cell (not saved): its result moves there.
  (goto-char (evalens-test-line-pos 10))
  (end-of-line)
  (insert "\nlen(rows) + 1")                ; line 11; the prose is 13-14, Total 15-17
  (goto-char (evalens-test-line-pos 3))
  (evalens-test-key "C-c . b" #'evalens-run-cell-and-below)
  (evalens-test-expect (equal (evalens-test-result 11) "⋯") "line 11 shows %S" (evalens-test-result 11))
  ;; Shown when its evalens/cellDone comes, while the last cell still sleeps.
  (evalens-test-expect (evalens-test-wait 10 (lambda () (equal (evalens-test-result 11) "⇒ 4")))
                       "line 11 shows %S" (evalens-test-result 11))
  (evalens-test-expect evalens--cell-runs "the first cell's value came with the answer, not as the cell ended")
  (evalens-test-expect (null (evalens-test-result 10)) "line 10 still shows %S" (evalens-test-result 10))
  (evalens-test-expect (evalens-test-wait 10 (lambda () (and (null evalens--cell-runs)
                                                              (equal (evalens-test-result 17) "⇒ 12"))))
                       "line 17 shows %S" (evalens-test-result 17))
  (evalens-test-expect (equal (evalens-test-result 11) "⇒ 4") "line 11 shows %S" (evalens-test-result 11))
  (evalens-test-expect (null (evalens-test-result 14)) "the prose shows %S" (evalens-test-result 14))
  (let ((ran (mapcar (lambda (cell) (plist-get cell :line)) (plist-get evalens-last-result :cells))))
    (evalens-test-expect (equal ran '(2 14)) "cells run %S" ran)))

(evalens-test-step "cells: the server's Run cell code action, as eglot-code-actions runs it, shows its value"
  (set-buffer evalens-test-cells)
  (evalens-clear)
  (let* ((server (eglot-current-server))
         (at (eglot--pos-to-lsp-position (evalens-test-line-pos 16)))
         (actions (jsonrpc-request server :textDocument/codeAction
                                   (list :textDocument (eglot--TextDocumentIdentifier)
                                         :range (list :start at :end at)
                                         :context (list :diagnostics []))))
         (action (cl-find "evalens: Run cell" actions
                          :key (lambda (action) (plist-get action :title)) :test #'equal)))
    (evalens-test-expect action "actions %S" (mapcar (lambda (action) (plist-get action :title)) actions))
    ;; What eglot-code-actions does with the Command chosen: sent as C-c . . sends it (at
    ;; once, `⋯' until the cell ends), not eglot's way (waiting for the answer, unused).
    (eglot-execute-command server (intern (plist-get action :command)) (plist-get action :arguments))
    (evalens-test-expect (equal (evalens-test-result 17) "⋯") "right after it line 17 shows %S"
                         (evalens-test-result 17))
    (evalens-test-expect (evalens-test-wait 10 (lambda () (and (null evalens--cell-runs)
                                                                (equal (evalens-test-result 17) "⇒ 12"))))
                         "line 17 shows %S" (evalens-test-result 17))))

(evalens-test-step "cells: C-c . A with a failing middle cell: its error shows, the cells after it do not run"
  (set-buffer evalens-test-cells)
  (goto-char (evalens-test-line-pos 13))
  (delete-region (point) (line-end-position 2))
  (insert "# %% Boom\n1 / 0")               ; the prose becomes code that fails
  (evalens-clear)
  (goto-char (point-min))                  ; in no cell: all cells run from anywhere
  (evalens-test-key "C-c . A" #'evalens-run-all-cells)
  (evalens-test-expect
   (evalens-test-wait 10 (lambda () (and (null evalens--cell-runs)
                                         (equal (evalens-test-result 14) "✗ ZeroDivisionError: division by zero"))))
   "line 14 shows %S" (evalens-test-result 14))
  (evalens-test-expect (eq (evalens-test-face 14) 'evalens-error-face) "face %S" (evalens-test-face 14))
  (evalens-test-expect (equal (evalens-test-result 11) "⇒ 4") "line 11 shows %S" (evalens-test-result 11))
  (evalens-test-expect (null (evalens-test-result 17)) "the cell after it ran: line 17 shows %S"
                       (evalens-test-result 17))
  (let ((ran (mapcar (lambda (cell) (plist-get cell :line)) (plist-get evalens-last-result :cells))))
    (evalens-test-expect (equal ran '(2 12)) "cells run %S" ran))
  (let ((output (evalens-test-output)))
    (evalens-test-expect (and (string-match-p "── all cells cells_demo.py:3\nloaded 3\nTraceback" output)
                              (string-match-p "line 14, in <module>" output)
                              (string-suffix-p "ZeroDivisionError: division by zero\n" output))
                         "output %S" output))
  (evalens-test-expect
   (evalens-test-wait
    10 (lambda ()
         (cl-some (lambda (diag)
                    (and (= (line-number-at-pos (flymake-diagnostic-beg diag)) 14)
                         (string-match-p "ZeroDivisionError" (flymake-diagnostic-text diag))))
                  eglot--diagnostics)))
   "diagnostics %S" (mapcar #'flymake-diagnostic-text eglot--diagnostics)))

;; Rich output (evalens/display, the Result's display): a workspace of its own whose
;; `interpreter' is the test's Python (EVALENS_TEST_PYTHON, a venv with matplotlib), set as
;; a user points evalens at a project's environment.  Batch Emacs is not graphical: an image
;; is a link to its file; made to look graphical, it is an image.
(defvar evalens-test-rich nil)

(defconst evalens-test-png-signature (unibyte-string #x89 ?P ?N ?G ?\r ?\n #x1a ?\n))

(defvar evalens-test-rich-source
  '("import matplotlib.pyplot as plt"                       ;  1
    "plt.plot([1, 3, 2])"                                   ;  2
    ""                                                      ;  3
    ""                                                      ;  4
    "class Table:"                                          ;  5
    "    def __repr__(self):"                               ;  6
    "        return 'Table\\n  a  1\\n  b  2'"              ;  7
    "    def _repr_html_(self):"                            ;  8
    "        return '<table><tr><td>a</td></tr></table>'"   ;  9
    ""                                                      ; 10
    ""                                                      ; 11
    "Table()"))                                             ; 12

(defun evalens-test-output-since (start)
  "The output buffer's text from START on."
  (with-current-buffer "*evalens-output*" (buffer-substring-no-properties start (point-max))))

(defun evalens-test-output-matches (start predicate)
  "The positions from START on in the output buffer where PREDICATE (of a position) holds,
each the start of a run of text it holds on."
  (with-current-buffer "*evalens-output*"
    (let ((found nil)
          (pos start))
      (while (< pos (point-max))
        (when (and (funcall predicate pos) (or (= pos start) (not (funcall predicate (1- pos)))))
          (push pos found))
        (setq pos (1+ pos)))
      (nreverse found))))

(defun evalens-test-image-links (start)
  "The files of the image links in the output buffer from START on."
  (mapcar (lambda (pos) (with-current-buffer "*evalens-output*" (get-text-property pos 'evalens-file)))
          (evalens-test-output-matches start (lambda (pos) (get-text-property pos 'evalens-file)))))

(defun evalens-test-images (start)
  "The image specs shown in the output buffer from START on."
  (mapcar (lambda (pos) (with-current-buffer "*evalens-output*" (get-text-property pos 'display)))
          (evalens-test-output-matches
           start (lambda (pos) (eq (car-safe (get-text-property pos 'display)) 'image)))))

(defun evalens-test-file-head (file count)
  "The first COUNT bytes of FILE."
  (with-temp-buffer
    (set-buffer-multibyte nil)
    (insert-file-contents-literally file nil 0 count)
    (buffer-string)))

(defun evalens-test-output-end ()
  (with-current-buffer (evalens-output-buffer) (point-max)))

(evalens-test-step "rich output: a matplotlib figure in a terminal Emacs: a link to its PNG file, once"
  (let ((python (getenv "EVALENS_TEST_PYTHON")))
    (evalens-test-expect (and python (file-executable-p python)) "EVALENS_TEST_PYTHON %S" python)
    (setq evalens-settings (list :interpreter python)))
  (setq evalens-test-rich (evalens-test-visit "rich" "figure.py" evalens-test-rich-source))
  (set-buffer evalens-test-rich)
  (evalens-test-connect)
  (evalens-test-expect (cl-typep (eglot-current-server) 'evalens-server) "server %S" (eglot-current-server))
  (evalens-test-expect (not (display-graphic-p)) "batch Emacs is graphical")
  (delete-other-windows)
  (let ((start (evalens-test-output-end)))
    (evalens-eval-region (evalens-test-line-pos 1) (evalens-test-line-pos 3))
    ;; The first import of matplotlib in a fresh HOME builds its font cache.
    (evalens-test-expect
     (evalens-test-wait 60 (lambda () (string-prefix-p "⇒ [<matplotlib.lines.Line2D" (evalens-test-result 2))))
     "line 2 shows %S; output %S" (evalens-test-result 2) (evalens-test-output-since start))
    (let ((links (evalens-test-image-links start))
          (display (append (plist-get evalens-last-result :display) nil)))
      (evalens-test-expect (= (length display) 1) "the Result's display %S" display)
      ;; The notification and the Result's display bring the same bundle: shown once.
      (evalens-test-expect (= (length links) 1) "links %S in %S" links (evalens-test-output-since start))
      (let ((file (car links)))
        (evalens-test-expect (equal (evalens-test-file-head file 8) evalens-test-png-signature)
                             "%s starts with %S" file (evalens-test-file-head file 8))
        (evalens-test-expect (file-in-directory-p file evalens--image-directory) "%s is not in %s" file
                             evalens--image-directory)
        (evalens-test-expect (memq #'evalens--remove-image-directory kill-emacs-hook)
                             "kill-emacs-hook %S" kill-emacs-hook)
        (evalens-test-expect
         (equal (evalens-test-output-since start)
                (format "── eval figure.py:1-2\n<Figure size 640x480 with 1 Axes>\n[image: %s]\n" file))
         "output %S" (evalens-test-output-since start))))
    (evalens-test-expect (get-buffer-window "*evalens-output*") "*evalens-output* is not shown")))

(evalens-test-step "rich output: in a graphical Emacs, the figure as an image that fits the window"
  (set-buffer evalens-test-rich)
  (require 'image)                      ; loaded before its primitive is rebound
  (let ((start (evalens-test-output-end))
        (result evalens-last-result))
    ;; What a graphical Emacs with PNG support says (an emacs-nox has no `image-types').
    (cl-letf (((symbol-function 'display-graphic-p) (lambda (&rest _) t))
              ((symbol-function 'image-type-available-p) (lambda (type) (memq type '(png jpeg svg)))))
      (cl-progv '(image-types) '((png jpeg svg))
        (goto-char (evalens-test-line-pos 2))
        (evalens-eval-line)             ; a second line on the same figure: shown again
        (evalens-test-expect (evalens-test-wait 10 (lambda () (not (eq evalens-last-result result))))
                             "no Result")))
    (let ((images (evalens-test-images start))
          (width (window-body-width (get-buffer-window "*evalens-output*") t))
          (height (window-body-height (get-buffer-window "*evalens-output*") t)))
      (evalens-test-expect (= (length images) 1) "images %S in %S" (length images) (evalens-test-output-since start))
      (let ((image (car images)))
        (evalens-test-expect (eq (plist-get (cdr image) :type) 'png) "type %S" (plist-get (cdr image) :type))
        (evalens-test-expect (string-prefix-p evalens-test-png-signature (plist-get (cdr image) :data))
                             "data %S" (substring (plist-get (cdr image) :data) 0 8))
        (evalens-test-expect (equal (plist-get (cdr image) :max-width) width)
                             ":max-width %S, the window %S" (plist-get (cdr image) :max-width) width)
        (evalens-test-expect (equal (plist-get (cdr image) :max-height) height)
                             ":max-height %S, the window %S" (plist-get (cdr image) :max-height) height)))
    (evalens-test-expect (null (evalens-test-image-links start)) "links %S" (evalens-test-image-links start))))

(evalens-test-step "rich output: a value with _repr_html_ shows its text/plain, once"
  (set-buffer evalens-test-rich)
  (let ((start (evalens-test-output-end)))
    (goto-char (evalens-test-line-pos 12))
    (evalens-eval-region (evalens-test-line-pos 5) (evalens-test-line-pos 13))
    (evalens-test-expect (evalens-test-wait 10 (lambda () (equal (evalens-test-result 12) "⇒ Table a 1 b 2")))
                         "line 12 shows %S" (evalens-test-result 12))
    ;; Its repr is its text/plain: written once, not again as a value too long for the overlay.
    (evalens-test-expect (equal (evalens-test-output-since start) "── eval figure.py:5-12\nTable\n  a  1\n  b  2\n")
                         "output %S" (evalens-test-output-since start))))

(evalens-test-step "rich output: cells, each cell's bundles once"
  (set-buffer evalens-test-rich)
  (goto-char (point-max))
  (insert "\n\n# %% First\nTable()\n# %% Second\nplt.plot([3, 1])\nTable()\n")  ; lines 15-19
  (let ((start (evalens-test-output-end)))
    (goto-char (evalens-test-line-pos 15))
    (evalens-run-cell-and-below)
    (evalens-test-expect (evalens-test-wait 20 (lambda () (and (null evalens--cell-runs)
                                                                (equal (evalens-test-result 19) "⇒ Table a 1 b 2"))))
                         "line 19 shows %S" (evalens-test-result 19))
    (let ((links (evalens-test-image-links start)))
      (evalens-test-expect (= (length links) 1) "links %S" links)
      (evalens-test-expect
       (equal (evalens-test-output-since start)
              ;; The figure a run changed is shown as the run ends, after its last cell.
              (concat "── cells below figure.py:15\n"
                      "Table\n  a  1\n  b  2\n"               ; the first cell's value, not again as a long value
                      "Table\n  a  1\n  b  2\n"               ; the second's
                      "<Figure size 640x480 with 1 Axes>\n"
                      (format "[image: %s]\n" (car links))))
       "output %S" (evalens-test-output-since start))))
  (setq evalens-settings nil))

;; Jupyter kernels (docs/protocol.md, "Jupyter kernels"): the `python3' kernelspec is the test
;; venv's ipykernel, registered in this home as the README says; the server has jupyter_client
;; (`pipx inject evalens jupyter_client').  The picker's `completing-read', `read-string' and
;; `read-passwd' are stubbed as a user's answers.
(defvar evalens-test-kernel-buffer nil)
(defvar evalens-test-kernel-labels nil "The picker's entries, as last offered.")

(defun evalens-test-told (regexp)
  "The newest message matching REGEXP, or nil."
  (cl-find-if (lambda (m) (string-match-p regexp m)) evalens-test-messages))

(defun evalens-test-pick-kernel (choose &rest answers)
  "Run `evalens-select-kernel' as a user: CHOOSE (of the labels) gives the entry chosen.
ANSWERS is a plist of :url (for `read-string') and :token (for `read-passwd'), and
:asked, a symbol whose value gets the prompts."
  (let (asked)
    (cl-letf (((symbol-function 'completing-read)
               (lambda (_prompt collection &rest _)
                 (setq evalens-test-kernel-labels (all-completions "" collection))
                 (funcall choose evalens-test-kernel-labels)))
              ((symbol-function 'read-string)
               (lambda (prompt &rest _) (push prompt asked) (plist-get answers :url)))
              ((symbol-function 'read-passwd)
               (lambda (prompt &rest _) (push prompt asked) (plist-get answers :token))))
      (call-interactively #'evalens-select-kernel))
    (nreverse asked)))

(evalens-test-step "kernels: evalens-select-kernel lists the interpreters; choosing the python3 kernelspec starts it"
  (setq evalens-test-kernel-buffer
        (evalens-test-visit "workspace" "kernel.py" '("__import__('sys').modules.get('ipykernel') is not None")))
  (set-buffer evalens-test-kernel-buffer)
  (evalens-test-connect)
  (evalens-test-expect (eglot-managed-p) "kernel.py is not managed")
  (let ((evalens-test-messages nil))
    (evalens-test-pick-kernel (lambda (labels) (cl-find-if (lambda (l) (string-prefix-p "kernelspec python3" l)) labels)))
    (evalens-test-expect
     (evalens-test-wait 30 (lambda () (evalens-test-told "\\`evalens: kernel python3 (Python [0-9.]+, pid [0-9]+)\\'")))
     "messages %S; picker %S" evalens-test-messages evalens-test-kernel-labels)
    (evalens-test-log "  %s" (car evalens-test-messages)))
  (let ((labels evalens-test-kernel-labels))
    (evalens-test-expect (equal (car labels) "evalens' own interpreter (in use)") "picker %S" labels)
    (evalens-test-expect (member "kernelspec python3: Python 3 (ipykernel)" labels) "picker %S" labels)
    (evalens-test-expect (equal (car (last labels)) "Jupyter Server or Gateway...") "picker %S" labels)))

(evalens-test-step "kernels: code runs in the kernel; evalens-status names it"
  (set-buffer evalens-test-kernel-buffer)
  (goto-char (point-min))
  (evalens-eval-line)
  (evalens-test-expect (evalens-test-wait 15 (lambda () (equal (evalens-test-result 1) "⇒ True")))
                       "line 1 shows %S" (evalens-test-result 1))
  (let ((evalens-test-messages nil))
    (evalens-status)
    (evalens-test-expect
     (evalens-test-wait 5 (lambda () (evalens-test-told "\\`evalens: idle, pid [0-9]+, [0-9.]+, kernel python3\\'")))
     "messages %S" evalens-test-messages)))

(evalens-test-step "kernels: a Jupyter Server: its URL (read-string), its token (read-passwd); the refusal told, not the token"
  (set-buffer evalens-test-kernel-buffer)
  (let* ((token "s3cret-token-never-shown")
         (evalens-test-messages nil)
         (asked (evalens-test-pick-kernel (lambda (labels) (car (last labels))) :url "http://127.0.0.1:9" :token token)))
    (evalens-test-expect
     (evalens-test-wait 20 (lambda () (evalens-test-told "\\`evalens: evalens\\.attach: .*127\\.0\\.0\\.1:9")))
     "messages %S; asked %S" evalens-test-messages asked)
    (evalens-test-log "  %s" (evalens-test-told "\\`evalens: evalens\\.attach: "))
    (evalens-test-expect (equal asked '("Jupyter Server URL (default http://localhost:8888): "
                                        "Token for http://127.0.0.1:9 (empty: none): "))
                         "asked %S" asked)
    (evalens-test-expect (string-suffix-p " (in use)" (nth 1 evalens-test-kernel-labels))
                         "picker %S" evalens-test-kernel-labels)
    (evalens-test-expect (not (cl-some (lambda (m) (string-match-p (regexp-quote token) m)) evalens-test-messages))
                         "the token was told: %S" evalens-test-messages)))

(evalens-test-step "kernels: with a Jupyter Server in use, its kernels and kernelspecs are entries (its setting, the token)"
  (let* ((answer '(:specs [] :running []
                   :server [(:id "k-1" :name "python3" :state "idle")]
                   :serverSpecs [(:name "python3" :displayName "Python 3 (ipykernel)" :language "python")]))
         (current '(:url "http://127.0.0.1:9" :allowInsecure t :id "k-1"))
         (entries (evalens--kernel-entries answer current))
         (token "s3cret-token-never-shown"))  ; typed in the step before, kept in memory
    (evalens-test-expect (equal (mapcar #'car entries)
                                '("evalens' own interpreter"
                                  "server kernel python3 k-1 (idle) (in use)"
                                  "server kernelspec python3: Python 3 (ipykernel)"
                                  "Jupyter Server or Gateway..."))
                         "entries %S" entries)
    (evalens-test-expect (equal (cdr (nth 1 entries))
                                `(:kernel (:url "http://127.0.0.1:9" :allowInsecure t :id "k-1" :token ,token)))
                         "server kernel %S" (nth 1 entries))
    (evalens-test-expect (equal (cdr (nth 2 entries))
                                `(:kernel (:url "http://127.0.0.1:9" :allowInsecure t :spec "python3" :token ,token)))
                         "server kernelspec %S" (nth 2 entries))
    (let ((other (nth 1 (evalens--kernel-entries answer '(:url "http://127.0.0.1:10")))))
      (evalens-test-expect (equal (cdr other) '(:kernel (:url "http://127.0.0.1:10" :id "k-1") :ask-token t))
                           "another server %S" other))))

(evalens-test-step "kernels: (evalens-select-kernel nil) from Lisp goes back to evalens' own interpreter"
  (set-buffer evalens-test-kernel-buffer)
  (let ((evalens-test-messages nil))
    (evalens-select-kernel nil)
    (evalens-test-expect
     (evalens-test-wait 15 (lambda () (evalens-test-told "\\`evalens: evalens' own interpreter (Python [0-9.]+, pid [0-9]+)\\'")))
     "messages %S" evalens-test-messages))
  (goto-char (point-min))
  (evalens-eval-line)
  (evalens-test-expect (evalens-test-wait 15 (lambda () (equal (evalens-test-result 1) "⇒ False")))
                       "line 1 shows %S" (evalens-test-result 1))
  (kill-buffer evalens-test-kernel-buffer))

(evalens-test-step "an untrusted workspace: the message says the Emacs way to trust it; trusting works at once"
  (setq evalens-trusted nil)            ; as before the README's setup
  (let ((buffer (evalens-test-visit "untrusted" "u.py" '("1 + 1"))))
    (set-buffer buffer)
    (evalens-test-connect)
    (evalens-test-expect (cl-typep (eglot-current-server) 'evalens-server) "server %S" (eglot-current-server))
    (let ((evalens-test-messages nil))
      (goto-char (point-min))
      (evalens-eval-line)
      (evalens-test-expect
       (evalens-test-wait 10 (lambda () (member "evalens: nothing runs until you trust this code: \
(customize-set-variable 'evalens-trusted t)" evalens-test-messages)))
       "messages %S" evalens-test-messages)
      (evalens-test-expect (null (evalens-test-result 1)) "line 1 shows %S" (evalens-test-result 1)))
    ;; What the message says, taken literally.
    (customize-set-variable 'evalens-trusted t)
    (evalens-eval-line)
    (evalens-test-expect (evalens-test-wait 10 (lambda () (equal (evalens-test-result 1) "⇒ 2")))
                         "line 1 shows %S; messages %S" (evalens-test-result 1) evalens-test-messages)))

(evalens-test-step "plain eglot with the top README's snippet: evalens starts and runs code"
  (let* ((readme (with-temp-buffer
                   (let ((coding-system-for-read 'utf-8))
                     (insert-file-contents (expand-file-name "README.md" evalens-test-clone)))
                   (buffer-string)))
         (snippet (and (string-match "^```elisp\n\\((add-to-list 'eglot-server-programs[^`]*\\)```$" readme)
                       (match-string 1 readme)))
         (eglot-server-programs eglot-server-programs)
         (python-mode-hook nil))         ; no evalens.el: plain eglot
    (evalens-test-expect snippet "no eglot-server-programs snippet in README.md")
    (eval (car (read-from-string snippet)) t)
    (with-current-buffer (evalens-test-visit "plain" "p.py" '("x = 21 * 2"))
      (apply #'eglot (eglot--guess-contact))
      (let ((server (eglot-current-server)))
        (evalens-test-expect (eq (eieio-object-class-name server) 'eglot-lsp-server) "server %S" server)
        (unwind-protect
            (let ((result (jsonrpc-request server :workspace/executeCommand
                                           (list :command "evalens.eval"
                                                 :arguments (vector (list :uri (evalens--uri) :code "x"))))))
              (evalens-test-expect (equal (plist-get (plist-get result :value) :repr) "42") "result %S" result))
          (setf (eglot--shutdown-requested server) t)
          (ignore-errors (jsonrpc-request server :shutdown nil :timeout 5))
          (jsonrpc-notify server :exit nil)
          ;; Its sentinel's "[jsonrpc] Server exited with status 0" said here, not in the next step.
          (evalens-test-expect (evalens-test-wait 5 (lambda () (evalens-test-ended server)))
                               "the plain server still runs"))))))

(evalens-test-step "the server ends later: its exit and last stderr lines, not \"Server died\"; nothing is sent to it after"
  (set-buffer (find-buffer-visiting (expand-file-name "untrusted/u.py" evalens-test-base)))
  (let* ((server (eglot-current-server))
         (process (jsonrpc--process server))
         (escaped evalens-test-escaped)
         (deadline (+ (float-time) 10))
         (evalens-test-messages nil))
    (insert "while True: pass\n")
    (evalens-eval-region (evalens-test-line-pos 1) (evalens-test-line-pos 2))
    (evalens-test-expect (equal (evalens-test-result 1) "⋯") "line 1 shows %S" (evalens-test-result 1))
    (signal-process process 'SIGTERM)
    ;; The worst order, every time: nothing is read until the process has ended, so its
    ;; last answer (the run's Result, sent as SIGTERM ends the run) is handled while eglot
    ;; still manages the buffer, before the sentinel.  What follows a Result (the lenses
    ;; asked again) must not write to the ended process.
    (while (and (process-live-p process) (< (float-time) deadline)))
    (evalens-test-expect (not (process-live-p process)) "the server still runs")
    (evalens-test-expect (eglot-managed-p) "the sentinel ran already")
    (evalens-refresh-lenses)            ; as after a Result: nothing sent, nothing signalled
    (let ((refused (condition-case err
                       (progn (evalens-eval-line) nil)
                     (user-error (error-message-string err)))))
      (evalens-test-expect (equal refused "evalens: the server is not running; M-x eglot starts it again")
                           "evalens-eval-line: %S" refused))
    (evalens-test-expect (evalens-test-wait 10 (lambda () (evalens-test-ended server)))
                         "the sentinel did not run")
    (evalens-test-expect (equal evalens-test-escaped escaped) "escaped: %S" evalens-test-escaped)
    (let ((text (car evalens-test-messages)))
      (evalens-test-expect (and text (string-prefix-p "evalens: the server exited with code 1" text)
                                (string-suffix-p "\nIts log: M-x eglot-events-buffer; M-x eglot starts it again." text))
                           "messages %S" evalens-test-messages))
    (evalens-test-expect (not (cl-some (lambda (m) (string-match-p "Server died" m)) evalens-test-messages))
                         "messages %S" evalens-test-messages)
    ;; The pending marker is gone: the run failed with the message above, or the server
    ;; (SIGTERM ends it cleanly) answered it before it went.
    (evalens-test-expect (or (null (evalens-test-result 1))
                             (string-prefix-p "✗ InterpreterDied: " (evalens-test-result 1)))
                         "line 1 shows %S" (evalens-test-result 1))))

(evalens-test-step "no error escaped a server's process filter or sentinel"
  (evalens-test-expect (null evalens-test-escaped) "%s" (string-join (reverse evalens-test-escaped) "; ")))

(evalens-test-finish)
