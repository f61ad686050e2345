;;; evalens-commands.el --- The interactive commands of evalens  -*- lexical-binding: t; -*-

;; Part of evalens: loaded by evalens.el, which see.

;;; Commentary:

;; What the keys of `evalens-mode' run: evaluate the region or line, call
;; a function, run a code lens or the file as __main__, and control the
;; interpreter (interrupt, restart, status).  Each sends one server
;; command, named by its role (`evalens--command').

;;; Code:

(require 'subr-x)
(require 'eglot)
(require 'evalens-results)
(require 'evalens-symbols)
(require 'evalens-run)
(require 'evalens-lenses)
(require 'evalens-cells)
(require 'evalens-doctest)
(require 'evalens-kernels)

(declare-function evalens--command "evalens" (role))

(defun evalens-eval-region (beg end)
  "Evaluate the region from BEG to END.
Without an active region, evaluate the current line."
  (interactive (if (use-region-p)
                   (list (region-beginning) (region-end))
                 (list (line-beginning-position) (line-end-position))))
  (when (and (> end beg) (save-excursion (goto-char end) (bolp)))
    (setq end (1- end)))         ; a region of whole lines ends on the last of them
  (let ((range (list :start (eglot--pos-to-lsp-position beg)
                     :end (eglot--pos-to-lsp-position end)))
        (first (line-number-at-pos beg))
        (last (line-number-at-pos end)))
    (deactivate-mark)
    (evalens--run end (evalens--command 'eval) (list :uri (evalens--uri) :range range)
                  (format "eval %s:%s" (buffer-name)
                          (if (= first last) first (format "%s-%s" first last))))))

(defun evalens-eval-line ()
  "Evaluate the current line."
  (interactive)
  (evalens-eval-region (line-beginning-position) (line-end-position)))

(defun evalens-call (target &optional args)
  "Call TARGET (a dotted name or expression naming a callable) with ARGS.
ARGS is Python source of an argument list, such as \"3, key=2\"."
  (interactive
   (let ((target (completing-read "evalens call: " (evalens--function-names) nil nil)))
     (list target (read-string (format "%s(" target)))))
  (let ((argument (list :uri (evalens--uri) :target target)))
    (when (and args (not (string-empty-p args)))
      (setq argument (plist-put argument :args args)))
    ;; Shown after the line of the function's `def' (the Result's `target', else this
    ;; buffer's document symbols); when that is in no visible buffer, in the echo area
    ;; and *evalens-output*.
    (evalens--run (point) (evalens--command 'call) argument (format "call %s(%s)" target (or args ""))
                  (lambda (found) (evalens--locate target found)))))

(defun evalens-run-module ()
  "Run this file as __main__; the Result is shown on its last line."
  (interactive)
  (evalens--run (point-max) (evalens--command 'run-module) (list :uri (evalens--uri))
                (format "run %s" (buffer-name))))

(defun evalens-run-lens ()
  "Run the code lens of the current line (its function, its cell or its docstring).
Of several (a cell's Run cell, Run above, Run below), choose one."
  (interactive)
  (let* ((items (evalens--lens-items-at (point)))
         (item (cond ((null items) (user-error "evalens: no code lens on this line"))
                     ((null (cdr items)) (car items))
                     (t (assoc (completing-read "evalens lens: " (mapcar #'car items) nil t nil nil (caar items))
                               items)))))
    (pcase-let ((`(,_title ,command ,argument) item))
      (if-let ((function (evalens--client-command command)))
          (funcall function argument)   ; a cell's, a docstring's examples
        (evalens--run (line-beginning-position) command argument
                      (format "call %s()" (plist-get argument :target)))))))

(defun evalens-interrupt ()
  "Interrupt the running evaluation (KeyboardInterrupt in the interpreter)."
  (interactive)
  (evalens-execute (evalens--command 'interrupt) (make-hash-table)
                   (lambda (result)
                     (message (if (eq (plist-get result :interrupted) t)
                                  "evalens: interrupted"
                                "evalens: nothing is running")))))

(defun evalens-restart ()
  "Restart the interpreter: a fresh session, results cleared."
  (interactive)
  (let ((buffers (and (eglot-current-server) (eglot--managed-buffers (eglot-current-server)))))
    (evalens-execute (evalens--command 'restart) (make-hash-table)
                     (lambda (result)
                       (dolist (buffer buffers)
                         (when (buffer-live-p buffer)
                           (with-current-buffer buffer (evalens-clear))))
                       (message "evalens: interpreter restarted (pid %s)" (plist-get result :pid))))))

(defun evalens-status ()
  "Show the interpreter's state."
  (interactive)
  (evalens-execute (evalens--command 'status) (make-hash-table)
                   (lambda (result)
                     (message "evalens: %s, pid %s, %s%s" (plist-get result :state)
                              (plist-get result :pid) (plist-get result :python)
                              (if (plist-get result :kernel)
                                  (concat ", " (evalens--kernel-description (plist-get result :kernel)))
                                "")))))

(provide 'evalens-commands)
;;; evalens-commands.el ends here
